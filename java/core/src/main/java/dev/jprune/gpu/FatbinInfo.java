package dev.jprune.gpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the images in a CUDA fatbin (what cuobjdump --list-elf / --list-ptx show), read from its container headers:
 * a 16-byte header (magic 0xBA55ED50, u16 version, u16 header size, u64 payload size) followed by entries, each a
 * header (u16 kind: 1 PTX, 2 ELF; u16 version; u32 header size; u64 payload size; ...; u32 SM version at byte 28)
 * and its payload. Enough to report the targets without the CUDA toolkit; not a full parser.
 */
public final class FatbinInfo {
    private FatbinInfo() {}

    static final int MAGIC = 0xBA55ED50;

    /**
     * Targets in file order, e.g. ["sm_75", ..., "compute_90"]. Throws IllegalArgumentException on a malformed file.
     */
    public static List<String> targets(byte[] fatbin) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos + 16 <= fatbin.length) {  // nvcc may concatenate several containers
            if (b.getInt(pos) != MAGIC) {
                if (out.isEmpty()) throw new IllegalArgumentException("fatbin: bad magic at byte " + pos);
                break;
            }
            int headerSize = Short.toUnsignedInt(b.getShort(pos + 6));
            long size = b.getLong(pos + 8);
            long end = pos + headerSize + size;
            if (end > fatbin.length) throw new IllegalArgumentException("fatbin: container at " + pos
                    + " runs past the end");
            long e = pos + headerSize;
            while (e + 32 <= end) {
                int kind = Short.toUnsignedInt(b.getShort((int) e));
                long eh = Integer.toUnsignedLong(b.getInt((int) e + 4));
                long payload = b.getLong((int) e + 8);
                int sm = b.getInt((int) e + 28);
                if (eh == 0) throw new IllegalArgumentException("fatbin: entry at " + e + " has header size 0");
                out.add((kind == 1 ? "compute_" : kind == 2 ? "sm_" : "kind" + kind + "_") + sm);
                e += eh + payload;
            }
            pos = (int) end;
        }
        return out;
    }
}
