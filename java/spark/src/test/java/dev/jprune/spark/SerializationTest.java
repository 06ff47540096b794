package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec.OptimizerKind;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * What travels as RDD elements, task results or broadcasts survives both of Spark's serializers: Java (the default) and
 * Kryo, which many clusters configure (it cannot build Java records, so none of these is one).
 */
class SerializationTest {
    @SuppressWarnings("unchecked")
    static <T> T roundTrip(Serializer ser, T obj) {
        SerializerInstance in = ser.newInstance();
        ByteBuffer b = in.serialize(obj, ClassTag$.MODULE$.apply(Object.class));
        return (T) in.deserialize(b, ClassTag$.MODULE$.apply(Object.class));
    }

    @Test
    void samplesShardsPartialsAndStatesRoundTripThroughJavaAndKryo() {
        ModelFactory lenet = ModelFactory.named("lenet-300-100", 1);
        var model = lenet.create();
        var opt = dev.jprune.train.Trainer.createOptimizer(model.net().parameters(),
                dev.jprune.train.TrainConfig.defaults(OptimizerKind.ADAM, 1e-3f, 1, 8, 1));
        ModelState state = ModelState.capture(7, model.net(), opt);
        for (Serializer ser : new Serializer[] {new JavaSerializer(new SparkConf()),
                new KryoSerializer(new SparkConf())}) {
            String what = ser.getClass().getSimpleName();
            Sample s = roundTrip(ser, new Sample(new float[] {1, 2}, 3));
            assertArrayEquals(new float[] {1, 2}, s.features(), what);
            assertEquals(3, s.label(), what);
            ScoreShard sh = roundTrip(ser, new ScoreShard(2, 10, new float[] {5}));
            assertEquals(2, sh.shard(), what);
            assertEquals(10, sh.offset(), what);
            assertArrayEquals(new float[] {5}, sh.scores(), what);
            FixedOrderSum.Item it = roundTrip(ser, FixedOrderSum.Item.leaf(4, 2, new float[] {1}, new double[] {2}));
            assertEquals(4, it.key, what);
            assertEquals(2, it.count, what);
            assertArrayEquals(new float[] {1}, it.leaf, what);
            Shard packed = roundTrip(ser, Shard.pack(3, List.of(new Sample(new float[784], 9)).iterator(),
                    new int[] {1, 28, 28}, 10));
            assertEquals(3, packed.partition, what);
            assertEquals(1, packed.size(), what);
            ModelState back = roundTrip(ser, state);
            assertEquals(7, back.version, what);
            assertArrayEquals(state.flatten(), back.flatten(), what);
            back.requireSameArchitecture(lenet.create().net(), what);
        }
    }
}
