// Deliberately broken kernels that exist only in the emulator: EmulatorSelfTest launches each one and expects the
// emulator to report it, which proves that its checks work (a checker nobody has seen fail proves nothing).
#include "../common.cuh"

// Writes y[0, n) with no bounds check (the test passes n beyond the allocation).
JP_KERNEL void jp_emu_selftest_oob(float* y, int n) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) y[i] = 1.f;
}

// Block sum in shared memory WITHOUT the barrier between the writes and the reads: a race that the emulator's
// random interleaving exposes (out[blockIdx.x] is then not blockDim.x).
JP_KERNEL void jp_emu_selftest_race(int* out) {
    __shared__ int sh[JP_THREADS];
    sh[threadIdx.x] = 1;
    if (threadIdx.x == 0) {
        int s = 0;
        for (int i = 0; i < JP_THREADS; i++) s += sh[i];
        out[blockIdx.x] = s;
    }
}

// The odd lanes exit before a full-mask shuffle.
JP_KERNEL void jp_emu_selftest_exited_lane(int* out) {
    if (threadIdx.x & 1) return;
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, (int)threadIdx.x, 2);
}

// Half of each warp at __syncthreads while the other half waits for it in a full-mask shuffle: a deadlock (on a
// GPU, undefined behaviour that usually hangs).
JP_KERNEL void jp_emu_selftest_deadlock(int* out) {
    if ((threadIdx.x & 31) < 16) __syncthreads();
    else out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, (int)threadIdx.x, 1);
}
