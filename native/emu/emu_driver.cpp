// emu_driver.cpp — a CPU stand-in for libcuda.so.1 (the CUDA driver API), for testing jprune's GPU path on
// machines without a GPU. cmake/build-emulator.sh links it with the real kernels (native/*.cu, compiled as C++
// through cuda_emu.h) into target/cuda-emu/libcuda.so.1; a JVM started with that folder on LD_LIBRARY_PATH loads
// it in place of the NVIDIA driver, and JCuda, GpuContext and every launcher run unchanged.
//
// What it checks that a GPU run would (compute-sanitizer-like, on every launch):
//  - launch configuration (block <= 1024 threads, grid limits, unknown kernel, dynamic shared memory);
//  - out-of-bounds accesses: every allocation ends at a PROT_NONE guard page, and a fault inside a kernel becomes a
//    launch error naming the kernel, block, thread and the allocation it missed, instead of a crash;
//  - uninitialised reads: new allocations and every block's shared memory are filled with 0xFF (NaN floats, -1 ints);
//  - barrier and warp-collective misuse: deadlocks, a lane that exits while its warp waits for it in a collective,
//    a shuffle that reads a lane outside its mask;
//  - hidden ordering assumptions: blocks run in a shuffled order, and the threads of a block interleave in a seeded
//    random order between barriers, so a missing __syncthreads or an inter-block dependence shows up as a wrong result;
//  - the host side of asynchrony: asynchronous copies and memsets run later (at the next launch or wait), so reading a
//    download before waiting, or reusing an upload's page-locked staging too early, gives wrong data;
//  - contexts per thread: cuCtxSetCurrent is per thread, and every call that works in the context fails with
//    CUDA_ERROR_INVALID_CONTEXT on a thread that has not made it current (stricter than the driver for stream and
//    event calls, which is the point: every jprune entry point binds its context first).
// It also counts host-blocking calls (cuDeviceGetAttribute(JP_EMU_ATTR_SYNC_COUNT)), and reports the driver version
// JPRUNE_CUDA_EMU_DRIVER_VERSION (default 13000), so tests can pin both the waits of a training step and the probe's
// refusal of an old driver.
// Errors are sticky for the context, as on a GPU: the next synchronising call returns them, and the details go to
// stderr with the prefix "[cuda-emu]". JPRUNE_CUDA_EMU_SEED sets the scheduling seed, JPRUNE_CUDA_EMU_MEMORY_MB the
// emulated device memory (default 4096), so out-of-memory paths can be tested.
// Not modelled: speed, concurrent blocks (atomics are trivially atomic), nvcc's code generation, cuBLAS/cuSPARSE.
#include <cstdarg>
#include <cstdint>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <csetjmp>
#include <csignal>
#include <map>
#include <mutex>
#include <string>
#include <vector>
#include <chrono>
#include <utility>
#include <type_traits>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cuda_emu.h"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef int CUdevice;
typedef struct EmuCtx* CUcontext;
typedef struct EmuModule* CUmodule;
typedef const struct EmuKernel* CUfunction;
typedef struct EmuStream* CUstream;
typedef struct EmuEvent* CUevent;

enum {
    CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101, CUDA_ERROR_INVALID_IMAGE = 200, CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400, CUDA_ERROR_NOT_FOUND = 500, CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701, CUDA_ERROR_ASSERT = 710, CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
};

// ---------------------------------------------------------------------------------------------------------------
// Kernel registry: the kernels themselves are compiled in emu_kernels.cpp, which registers each by name.
#include "emu_kernel.h"

// ---------------------------------------------------------------------------------------------------------------
// Fibers. x86-64 System V context switch: saves the callee-saved registers on the current stack, stores the stack
// pointer into *save and resumes the context whose stack pointer is `load`. MXCSR and the x87 control word are
// callee-saved too, but nothing here changes them, so they are left out (they dominate the cost of a switch).
extern "C" void jp_emu_switch(void** save, void* load);
__asm__(R"(
    .text
    .globl jp_emu_switch
    .type jp_emu_switch, @function
jp_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size jp_emu_switch, .-jp_emu_switch
)");

extern "C" {
uint3 jp_emu_threadIdx, jp_emu_blockIdx;
dim3 jp_emu_blockDim, jp_emu_gridDim;
}

// Bounds of the kernels' __shared__ variables (cmake/build-emulator.sh's linker script gathers them).
extern "C" char jp_emu_shared_begin[], jp_emu_shared_end[];

namespace {

enum FiberState { READY, WAIT_BLOCK, WAIT_WARP, DONE };

struct Fiber {
    void* sp;
    uint3 tid;
    int state;
    unsigned mask;       // WAIT_WARP: the collective's member mask
    uint64_t value;      // WAIT_WARP: this lane's contribution
    uint64_t got[32];    // the warp's values, copied at release
};

constexpr size_t STACK_BYTES = 64 * 1024;
constexpr int MAX_THREADS = 1024;
constexpr size_t MAX_LIVE_ALLOCATIONS = 16384;

struct Launch {
    const EmuKernel* kernel = nullptr;
    void** params = nullptr;
    std::vector<Fiber> fibers;
    std::vector<int> ready;
    int live = 0, atBlockBarrier = 0;
    int atWarpOp[MAX_THREADS / 32] = {};  // lanes of each warp waiting in a collective
    void* schedSp = nullptr;
    Fiber* cur = nullptr;
    uint64_t rng = 0;
    sigjmp_buf abortJump;
    char error[1024];
    int errorCode = CUDA_SUCCESS;
};

std::recursive_mutex g_mutex;
Launch g_launch;
char* g_stacks = nullptr;        // MAX_THREADS stacks, each above a guard page
size_t g_pageSize = 4096;
volatile sig_atomic_t g_inKernel = 0;
pthread_t g_kernelThread;
int g_sticky = CUDA_SUCCESS;
bool g_initialised = false;
uint64_t g_seed = 0;
uint64_t g_launchCount = 0;
struct sigaction g_oldSegv, g_oldBus;

uint64_t splitmix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t next_random(uint64_t& s) {  // xorshift64*
    s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
    return s * 2685821657736338717ull;
}

void log_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[cuda-emu] ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    fflush(stderr);
    va_end(ap);
}

// ---- device memory: each allocation is its own mapping, data placed so that it ends at a PROT_NONE guard page.
struct Allocation {
    char* mapBase;
    size_t mapBytes;
    size_t bytes;
};
std::map<uintptr_t, Allocation> g_allocs;  // by data start
size_t g_bytesAllocated = 0;
size_t g_memoryLimit = 4096ull << 20;

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

// The allocation containing [p, p + n), or null.
const Allocation* find_allocation(uintptr_t p, size_t n, uintptr_t* start) {
    auto it = g_allocs.upper_bound(p);
    if (it == g_allocs.begin()) return nullptr;
    --it;
    if (p + n > it->first + it->second.bytes || p + n < p) return nullptr;
    if (start) *start = it->first;
    return &it->second;
}

void describe_address(uintptr_t a, char* out, size_t len) {
    if (a < 4096) { snprintf(out, len, "address 0x%lx (a null pointer)", (unsigned long)a); return; }
    auto it = g_allocs.upper_bound(a);
    if (it != g_allocs.begin()) {
        auto below = std::prev(it);
        uintptr_t s = below->first;
        size_t b = below->second.bytes;
        if (a >= s && a < s + b) {
            snprintf(out, len, "address 0x%lx inside a %zu-byte allocation at 0x%lx (offset %zu)", (unsigned long)a, b,
                     (unsigned long)s, (size_t)(a - s));
            return;
        }
        if (a >= s + b && a < (uintptr_t)below->second.mapBase + below->second.mapBytes) {
            snprintf(out, len, "address 0x%lx, %zu bytes past the end of a %zu-byte allocation at 0x%lx",
                     (unsigned long)a, (size_t)(a - s - b), b, (unsigned long)s);
            return;
        }
    }
    if (it != g_allocs.end() && a >= (uintptr_t)it->second.mapBase) {
        snprintf(out, len, "address 0x%lx, %zu bytes before a %zu-byte allocation at 0x%lx", (unsigned long)a,
                 (size_t)(it->first - a), it->second.bytes, (unsigned long)it->first);
        return;
    }
    if (g_stacks && a >= (uintptr_t)g_stacks
        && a < (uintptr_t)g_stacks + (size_t)MAX_THREADS * (STACK_BYTES + g_pageSize)) {
        snprintf(out, len, "address 0x%lx: a thread's stack overflowed (%zu KiB per thread)", (unsigned long)a,
                 STACK_BYTES / 1024);
        return;
    }
    snprintf(out, len, "address 0x%lx (not in any device allocation)", (unsigned long)a);
}

// ---- launch errors
[[noreturn]] void abort_launch(int code, const char* what) {
    Launch& L = g_launch;
    const Fiber* f = L.cur;
    snprintf(L.error, sizeof L.error, "block (%u,%u,%u) thread (%u,%u,%u): %s", jp_emu_blockIdx.x, jp_emu_blockIdx.y,
             jp_emu_blockIdx.z, f ? f->tid.x : 0u, f ? f->tid.y : 0u, f ? f->tid.z : 0u, what);
    L.errorCode = code;
    siglongjmp(L.abortJump, 1);
}

void fault_handler(int sig, siginfo_t* info, void* uc) {
    if (g_inKernel && pthread_equal(pthread_self(), g_kernelThread)) {
        char where[400], msg[512];
        describe_address((uintptr_t)info->si_addr, where, sizeof where);
        snprintf(msg, sizeof msg, "%s: %s", sig == SIGSEGV ? "invalid memory access" : "bus error", where);
        g_inKernel = 0;
        abort_launch(CUDA_ERROR_ILLEGAL_ADDRESS, msg);
    }
    // Not ours (the JVM uses SIGSEGV for null checks and safepoints): chain to the previous handler.
    struct sigaction* old = sig == SIGSEGV ? &g_oldSegv : &g_oldBus;
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, info, uc);
    } else if (old->sa_handler == SIG_DFL) {
        signal(sig, SIG_DFL);
        raise(sig);
    } else if (old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
    }
}

// ---- the fiber scheduler of one block
extern "C" void jp_emu_fiber_main() {
    Launch& L = g_launch;
    L.kernel->invoke(L.kernel->fn, L.params);
    L.cur->state = DONE;
    jp_emu_switch(&L.cur->sp, L.schedSp);
    __builtin_unreachable();
}

void* fresh_stack(int t) {
    char* top = g_stacks + (size_t)t * (STACK_BYTES + g_pageSize) + g_pageSize + STACK_BYTES;
    uint64_t* sp = reinterpret_cast<uint64_t*>(top);
    *--sp = 0;                                                    // fake return address of jp_emu_fiber_main
    *--sp = reinterpret_cast<uint64_t>(&jp_emu_fiber_main);       // popped by the switch's ret
    for (int i = 0; i < 6; i++) *--sp = 0;                        // rbp rbx r12-r15
    return sp;
}

void release_block_barrier(Launch& L) {
    for (auto& f : L.fibers)
        if (f.state == WAIT_BLOCK) { f.state = READY; L.ready.push_back((int)(&f - L.fibers.data())); }
    L.atBlockBarrier = 0;
}

// A lane of warp `warp` arrived at a collective with `mask`: release the collective when all its lanes are there.
void try_release_warp(Launch& L, int warp, unsigned mask) {
    const int n = (int)L.fibers.size();
    uint64_t vals[32] = {};
    for (int l = 0; l < 32; l++) {
        if (!((mask >> l) & 1u)) continue;
        const int i = warp * 32 + l;
        if (i >= n) {
            char m[160];
            snprintf(m, sizeof m, "warp collective mask 0x%08x names lane %d, beyond the block's %d threads", mask, l,
                     n);
            abort_launch(CUDA_ERROR_LAUNCH_FAILED, m);
        }
        const Fiber& f = L.fibers[i];
        if (f.state == DONE) {
            char m[160];
            snprintf(m, sizeof m, "warp collective with mask 0x%08x waits for lane %d, which has exited", mask, l);
            abort_launch(CUDA_ERROR_LAUNCH_FAILED, m);
        }
        if (f.state != WAIT_WARP || f.mask != mask) return;  // not there yet
        vals[l] = f.value;
    }
    for (int l = 0; l < 32; l++) {
        if (!((mask >> l) & 1u)) continue;
        Fiber& f = L.fibers[warp * 32 + l];
        L.atWarpOp[warp]--;
        memcpy(f.got, vals, sizeof vals);
        f.state = READY;
        L.ready.push_back(warp * 32 + l);
    }
}

void run_block(Launch& L, int threads) {
    if ((int)L.fibers.size() != threads) L.fibers.resize(threads);
    L.ready.clear();
    for (int t = 0; t < threads; t++) {
        Fiber& f = L.fibers[t];
        f.sp = fresh_stack(t);
        f.tid = uint3{(unsigned)(t % jp_emu_blockDim.x), (unsigned)(t / jp_emu_blockDim.x % jp_emu_blockDim.y),
                      (unsigned)(t / (jp_emu_blockDim.x * jp_emu_blockDim.y))};
        f.state = READY;
        L.ready.push_back(t);
    }
    L.live = threads;
    L.atBlockBarrier = 0;
    memset(L.atWarpOp, 0, sizeof L.atWarpOp);
    // Every block starts with poisoned shared memory, so a read of shared memory this block did not write (another
    // block's leftovers on a GPU) gives 0xFF bytes.
    memset(jp_emu_shared_begin, 0xff, (size_t)(jp_emu_shared_end - jp_emu_shared_begin));
    while (L.live > 0) {
        if (L.ready.empty()) {
            int atWarp = 0;
            for (auto& f : L.fibers) atWarp += f.state == WAIT_WARP;
            char m[200];
            snprintf(m, sizeof m, "deadlock: %d live threads, %d at __syncthreads, %d in warp collectives", L.live,
                     L.atBlockBarrier, atWarp);
            L.cur = nullptr;
            abort_launch(CUDA_ERROR_LAUNCH_FAILED, m);
        }
        const size_t pick = next_random(L.rng) % L.ready.size();
        const int t = L.ready[pick];
        L.ready[pick] = L.ready.back();
        L.ready.pop_back();
        Fiber& f = L.fibers[t];
        L.cur = &f;
        jp_emu_threadIdx = f.tid;
        jp_emu_switch(&L.schedSp, f.sp);
        // back from the fiber: it finished, or waits at a barrier / collective
        if (f.state == DONE) {
            L.live--;
            const int warp = t / 32;
            // a lane of its warp waiting for it can never be released
            for (int l = 0; L.atWarpOp[warp] > 0 && l < 32; l++) {
                const int i = warp * 32 + l;
                if (i < threads && L.fibers[i].state == WAIT_WARP && ((L.fibers[i].mask >> (t & 31)) & 1u)) {
                    char m[160];
                    snprintf(m, sizeof m,
                             "lane %d exited while lane %d waits for it in a warp collective (mask 0x%08x)",
                             t & 31, l, L.fibers[i].mask);
                    abort_launch(CUDA_ERROR_LAUNCH_FAILED, m);
                }
            }
            if (L.atBlockBarrier > 0 && L.atBlockBarrier == L.live) release_block_barrier(L);
        } else if (f.state == WAIT_BLOCK) {
            if (++L.atBlockBarrier == L.live) release_block_barrier(L);
        } else if (f.state == WAIT_WARP) {
            L.atWarpOp[t / 32]++;
            if (!((f.mask >> (t & 31)) & 1u)) {
                char m[160];
                snprintf(m, sizeof m, "warp collective called by lane %d with mask 0x%08x, which does not include it",
                         t & 31, f.mask);
                abort_launch(CUDA_ERROR_LAUNCH_FAILED, m);
            }
            try_release_warp(L, t / 32, f.mask);
        }
    }
    L.cur = nullptr;
}

// ---- handles
struct EmuCtxImpl { int refs; } g_ctx{0};
int g_streamCount = 0;
// An event completes when the stream work queued before its record has run (seq: work items queued by then).
struct EventImpl { std::chrono::steady_clock::time_point t; bool recorded; uint64_t seq; };

// The context current on each thread (cuCtxSetCurrent is per thread, as in the driver). Every call that works in a
// context checks it, so a library entry point that forgot to bind its context fails here too, not only when another
// thread happens to have a different context current on a GPU.
thread_local EmuCtxImpl* t_current = nullptr;

CUresult sticky() { return g_sticky; }

// Host-blocking calls so far (stream/event/context synchronisation, synchronous copies, frees, and asynchronous
// copies from or to pageable memory, which the driver performs synchronously): read through cuDeviceGetAttribute
// with JP_EMU_ATTR_SYNC_COUNT, so a test can count the waits of a training step.
constexpr int JP_EMU_ATTR_SYNC_COUNT = 0x4a500001;
uint64_t g_syncs = 0;
bool g_trace = false;

void count_sync(const char* what) {
    g_syncs++;
    if (g_trace) fprintf(stderr, "emu sync %s\n", what);
}

// ---- the stream's deferred work. Asynchronous copies and memsets are queued and run only when later work needs
// them: before the next kernel launch, at a synchronising call, or when an event recorded after them is waited for.
// So host code that reads a download's pinned staging before waiting, or overwrites an upload's staging before the
// copy ran, sees the wrong data here as it would on a GPU (where the copy engine runs later, not at the call).
// Kernels themselves still run at their launch (after the queue).
enum { OP_COPY, OP_SET8, OP_SET32 };
struct PendingOp { int kind; char* dst; const char* src; size_t n; unsigned value; };
std::vector<PendingOp> g_queue;
uint64_t g_enqueued = 0, g_executed = 0;  // stream work items (copies, memsets, kernels) queued / run so far

void flush_queue() {
    for (const PendingOp& op : g_queue) {
        if (g_sticky) break;  // after a fault, later work of the context does not run (as on a GPU)
        if (op.kind == OP_COPY) memmove(op.dst, op.src, op.n);
        else if (op.kind == OP_SET8) memset(op.dst, (int)op.value, op.n);
        else for (size_t i = 0; i < op.n; i++) reinterpret_cast<unsigned*>(op.dst)[i] = op.value;
    }
    g_queue.clear();
    g_executed = g_enqueued;
}

void enqueue(PendingOp op) {
    g_queue.push_back(op);
    g_enqueued++;
}

// ---- page-locked host memory (cuMemAllocHost): asynchronous copies are asynchronous only from and to it.
std::map<uintptr_t, size_t> g_hostAllocs;

bool is_pinned(const void* p, size_t n) {
    const uintptr_t a = (uintptr_t)p;
    auto it = g_hostAllocs.upper_bound(a);
    if (it == g_hostAllocs.begin()) return false;
    --it;
    return a >= it->first && a + n <= it->first + it->second;
}

// The driver version the emulator reports: JPRUNE_CUDA_EMU_DRIVER_VERSION as CUDA encodes it (12080) or as
// major.minor (12.8); default 13000. Lets a test see the probe refuse a driver older than the kernels' toolkit.
int driver_version() {
    const char* s = getenv("JPRUNE_CUDA_EMU_DRIVER_VERSION");
    if (!s || !*s) return 13000;
    const char* dot = strchr(s, '.');
    if (dot) return (int)strtol(s, nullptr, 10) * 1000 + (int)strtol(dot + 1, nullptr, 10) * 10;
    return (int)strtol(s, nullptr, 10);
}

bool has_context(const char* fn) {
    if (t_current == &g_ctx && g_ctx.refs > 0) return true;
    log_error("%s: no current context on the calling thread (%s)", fn,
              t_current == nullptr ? "cuCtxSetCurrent was not called on this thread"
                                   : "its context was released");
    return false;
}
#define NEED_CONTEXT(fn) do { if (!has_context(fn)) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

// Frees every device allocation (context reset).
void free_all_allocations() {
    for (auto& a : g_allocs) munmap(a.second.mapBase, a.second.mapBytes);
    g_allocs.clear();
    g_bytesAllocated = 0;
}

int init_once() {
    if (g_initialised) return CUDA_SUCCESS;
    g_pageSize = (size_t)sysconf(_SC_PAGESIZE);
    if (const char* s = getenv("JPRUNE_CUDA_EMU_SEED")) g_seed = strtoull(s, nullptr, 0);
    if (const char* m = getenv("JPRUNE_CUDA_EMU_MEMORY_MB")) g_memoryLimit = strtoull(m, nullptr, 0) << 20;
    g_trace = getenv("JPRUNE_CUDA_EMU_TRACE") != nullptr;
    size_t bytes = (size_t)MAX_THREADS * (STACK_BYTES + g_pageSize);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    g_stacks = static_cast<char*>(p);
    for (int t = 0; t < MAX_THREADS; t++)
        mprotect(g_stacks + (size_t)t * (STACK_BYTES + g_pageSize), g_pageSize, PROT_NONE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_oldSegv);
    sigaction(SIGBUS, &sa, &g_oldBus);
    g_initialised = true;
    return CUDA_SUCCESS;
}

const EmuKernel* find_kernel(const char* name) {
    for (int i = 0; i < jp_emu_kernel_count; i++)
        if (strcmp(jp_emu_kernels[i].name, name) == 0) return &jp_emu_kernels[i];
    return nullptr;
}

bool valid_kernel(const EmuKernel* k) {
    return k >= jp_emu_kernels && k < jp_emu_kernels + jp_emu_kernel_count;
}

CUresult check_range(const char* op, CUdeviceptr p, size_t n) {
    if (n == 0) return CUDA_SUCCESS;
    if (!find_allocation((uintptr_t)p, n, nullptr)) {
        char where[400];
        describe_address((uintptr_t)p, where, sizeof where);
        log_error("%s of %zu bytes at device %s: not inside one allocation", op, n, where);
        return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Called by kernel code (cuda_emu.h).
extern "C" void jp_emu_syncthreads(void) {
    Launch& L = g_launch;
    Fiber* f = L.cur;
    f->state = WAIT_BLOCK;
    jp_emu_switch(&f->sp, L.schedSp);
    jp_emu_threadIdx = f->tid;
}

extern "C" void jp_emu_warp_exchange(unsigned mask, uint64_t value, uint64_t* all) {
    Launch& L = g_launch;
    Fiber* f = L.cur;
    f->state = WAIT_WARP;
    f->mask = mask;
    f->value = value;
    jp_emu_switch(&f->sp, L.schedSp);
    jp_emu_threadIdx = f->tid;
    memcpy(all, f->got, sizeof f->got);
}

extern "C" void jp_emu_fail(const char* what) { abort_launch(CUDA_ERROR_ASSERT, what); }

// ---------------------------------------------------------------------------------------------------------------
// The driver API subset that JCuda's jprune path calls. Any other function JCuda's binding references exists as a
// stub that returns CUDA_ERROR_NOT_SUPPORTED (emu_stubs.cpp, generated), so a new call fails cleanly, not with
// exit 127.
#define EMU_API extern "C" __attribute__((visibility("default")))
#define LOCK std::lock_guard<std::recursive_mutex> lock(g_mutex)

EMU_API CUresult cuInit(unsigned flags) { LOCK; return flags != 0 ? CUDA_ERROR_INVALID_VALUE : init_once(); }
EMU_API CUresult cuDriverGetVersion(int* v) {
    if (!v) return CUDA_ERROR_INVALID_VALUE;
    *v = driver_version();
    return CUDA_SUCCESS;
}
EMU_API CUresult cuDeviceGetCount(int* c) {
    if (!c) return CUDA_ERROR_INVALID_VALUE;
    *c = g_initialised ? 1 : 0;
    return g_initialised ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}
EMU_API CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    if (!g_initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (!d) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *d = 0;
    return CUDA_SUCCESS;
}
EMU_API CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (!name || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, (size_t)len, "jprune CUDA emulator (CPU, not a GPU)");
    return CUDA_SUCCESS;
}
EMU_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (!bytes) return CUDA_ERROR_INVALID_VALUE;
    *bytes = g_memoryLimit;
    return CUDA_SUCCESS;
}
EMU_API CUresult cuDeviceGetAttribute(int* v, int attr, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (!v) return CUDA_ERROR_INVALID_VALUE;
    switch (attr) {  // an sm_90 part with H100-like limits (cuda.h's CU_DEVICE_ATTRIBUTE_* numbers)
        case 1: *v = 1024; break;                 // MAX_THREADS_PER_BLOCK
        case 2: case 3: *v = 1024; break;         // MAX_BLOCK_DIM_X, Y
        case 4: *v = 64; break;                   // MAX_BLOCK_DIM_Z
        case 5: *v = 2147483647; break;           // MAX_GRID_DIM_X
        case 6: case 7: *v = 65535; break;        // MAX_GRID_DIM_Y, Z
        case 8: *v = 49152; break;                // MAX_SHARED_MEMORY_PER_BLOCK
        case 10: *v = 32; break;                  // WARP_SIZE
        case 12: *v = 65536; break;               // MAX_REGISTERS_PER_BLOCK
        case 16: *v = 132; break;                 // MULTIPROCESSOR_COUNT: an H100 SXM, so launch heuristics choose as
                                                  // there (blocks still run one at a time)
        case 39: *v = 2048; break;                // MAX_THREADS_PER_MULTIPROCESSOR
        case 75: *v = 9; break;                   // COMPUTE_CAPABILITY_MAJOR
        case 76: *v = 0; break;                   // COMPUTE_CAPABILITY_MINOR
        case 97: *v = 232448; break;              // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
        case JP_EMU_ATTR_SYNC_COUNT: { LOCK; *v = (int)(g_syncs & 0x7fffffff); break; }  // emulator only
        default: *v = 0; break;
    }
    return CUDA_SUCCESS;
}
EMU_API CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) {
    LOCK;
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (!c) return CUDA_ERROR_INVALID_VALUE;
    g_ctx.refs++;
    *c = reinterpret_cast<CUcontext>(&g_ctx);
    return CUDA_SUCCESS;
}
EMU_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) {
    LOCK;
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (g_ctx.refs <= 0) return CUDA_ERROR_INVALID_CONTEXT;
    if (--g_ctx.refs == 0) {  // the context is destroyed: a fresh primary context next time, as on a GPU
        g_queue.clear();
        g_executed = g_enqueued;
        g_sticky = CUDA_SUCCESS;
    }
    return CUDA_SUCCESS;
}
// Destroys the primary context's state whoever else holds it (the CUDA runtime that cuSPARSE started, say): every
// allocation is freed, queued work dropped, a sticky fault cleared. Holders keep their references (as in the driver).
EMU_API CUresult cuDevicePrimaryCtxReset_v2(CUdevice d) {
    LOCK;
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    g_queue.clear();
    g_executed = g_enqueued;
    free_all_allocations();
    g_sticky = CUDA_SUCCESS;
    return CUDA_SUCCESS;
}
EMU_API CUresult cuCtxSetCurrent(CUcontext c) {
    if (c != nullptr && c != reinterpret_cast<CUcontext>(&g_ctx)) return CUDA_ERROR_INVALID_CONTEXT;
    t_current = reinterpret_cast<EmuCtxImpl*>(c);
    return CUDA_SUCCESS;
}
EMU_API CUresult cuCtxGetCurrent(CUcontext* c) {
    if (!c) return CUDA_ERROR_INVALID_VALUE;
    *c = t_current != nullptr && g_ctx.refs > 0 ? reinterpret_cast<CUcontext>(t_current) : nullptr;
    return CUDA_SUCCESS;
}
EMU_API CUresult cuCtxSynchronize(void) {
    LOCK;
    NEED_CONTEXT("cuCtxSynchronize");
    flush_queue();
    count_sync("cuCtxSynchronize");
    return sticky();
}

EMU_API CUresult cuStreamCreate(CUstream* s, unsigned flags) {
    LOCK;
    (void)flags;
    NEED_CONTEXT("cuStreamCreate");
    if (!s) return CUDA_ERROR_INVALID_VALUE;
    *s = reinterpret_cast<CUstream>(new int(++g_streamCount));
    return CUDA_SUCCESS;
}
EMU_API CUresult cuStreamDestroy_v2(CUstream s) {
    LOCK;
    NEED_CONTEXT("cuStreamDestroy");
    delete reinterpret_cast<int*>(s);
    return CUDA_SUCCESS;
}
EMU_API CUresult cuStreamSynchronize(CUstream) {
    LOCK;
    NEED_CONTEXT("cuStreamSynchronize");
    flush_queue();
    count_sync("cuStreamSynchronize");
    return sticky();
}
EMU_API CUresult cuStreamQuery(CUstream) {
    LOCK;
    NEED_CONTEXT("cuStreamQuery");
    if (g_sticky) return g_sticky;
    return g_queue.empty() ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

EMU_API CUresult cuModuleLoadData(CUmodule* m, const void* image) {
    LOCK;
    NEED_CONTEXT("cuModuleLoadData");
    if (!m || !image) return CUDA_ERROR_INVALID_VALUE;
    uint32_t magic;
    memcpy(&magic, image, 4);
    if (magic != 0xBA55ED50u && magic != 0x464c457fu) return CUDA_ERROR_INVALID_IMAGE;  // fatbin or ELF cubin
    *m = reinterpret_cast<CUmodule>(&g_ctx);  // the kernels are compiled in; the image only has to look right
    return CUDA_SUCCESS;
}
EMU_API CUresult cuModuleUnload(CUmodule) { LOCK; NEED_CONTEXT("cuModuleUnload"); return CUDA_SUCCESS; }
EMU_API CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
    LOCK;
    NEED_CONTEXT("cuModuleGetFunction");
    if (!f || !m || !name) return CUDA_ERROR_INVALID_VALUE;
    const EmuKernel* k = find_kernel(name);
    if (!k) return CUDA_ERROR_NOT_FOUND;
    *f = k;
    return CUDA_SUCCESS;
}

EMU_API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                unsigned bz, unsigned sharedBytes, CUstream, void** params, void** extra) {
    LOCK;
    NEED_CONTEXT("cuLaunchKernel");
    if (g_sticky) return g_sticky;
    if (!valid_kernel(f)) return CUDA_ERROR_INVALID_HANDLE;
    const unsigned long long threads = (unsigned long long)bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gy > 65535 || gz > 65535 || gx > 2147483647u
        || bx > 1024 || by > 1024 || bz > 64 || threads > 1024) {
        log_error("launch of %s rejected: grid (%u,%u,%u) block (%u,%u,%u)", f->name, gx, gy, gz, bx, by, bz);
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (sharedBytes != 0) {
        log_error("launch of %s: dynamic shared memory is not emulated", f->name);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (extra != nullptr || (params == nullptr && f->invoke != nullptr)) {
        log_error("launch of %s: only kernelParams argument passing is emulated", f->name);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    // JPRUNE_CUDA_EMU_TRACE=1: one stderr line per launch (counting launches per training step, kernel order).
    if (g_trace) fprintf(stderr, "emu launch %s grid (%u,%u,%u) block (%u,%u,%u)\n", f->name, gx, gy, gz, bx, by, bz);
    flush_queue();  // the copies and memsets queued before it
    g_enqueued++;
    g_executed++;
    Launch& L = g_launch;
    L.kernel = f;
    L.params = params;
    L.rng = splitmix64(g_seed + ++g_launchCount) | 1;  // xorshift must never start at 0
    L.errorCode = CUDA_SUCCESS;
    L.error[0] = 0;
    jp_emu_gridDim = dim3{gx, gy, gz};
    jp_emu_blockDim = dim3{bx, by, bz};
    const unsigned long long blocks = (unsigned long long)gx * gy * gz;
    // Blocks in a shuffled order (a random affine permutation of the block index: cheap for any grid size).
    unsigned long long stride = 1, offset = 0;
    if (blocks > 1) {
        do { stride = next_random(L.rng) % blocks; } while (stride == 0 || std::gcd(stride, blocks) != 1);
        offset = next_random(L.rng) % blocks;
    }
    if (sigsetjmp(L.abortJump, 1) == 0) {
        g_kernelThread = pthread_self();
        g_inKernel = 1;
        for (unsigned long long i = 0; i < blocks; i++) {
            const unsigned long long b = (unsigned long long)(((unsigned __int128)i * stride + offset) % blocks);
            jp_emu_blockIdx = uint3{(unsigned)(b % gx), (unsigned)(b / gx % gy),
                                    (unsigned)(b / ((unsigned long long)gx * gy))};
            run_block(L, (int)threads);
        }
        g_inKernel = 0;
    } else {
        g_inKernel = 0;
        g_sticky = L.errorCode;
        log_error("kernel %s grid (%u,%u,%u) block (%u,%u,%u) failed: %s", f->name, gx, gy, gz, bx, by, bz, L.error);
    }
    return CUDA_SUCCESS;  // kernel errors surface at the next synchronising call, as on a GPU
}

EMU_API CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    LOCK;
    NEED_CONTEXT("cuMemAlloc");
    if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (g_sticky) return g_sticky;
    if (bytes > g_memoryLimit || g_bytesAllocated + bytes > g_memoryLimit) return CUDA_ERROR_OUT_OF_MEMORY;
    // Each allocation is three mappings (guard, body, guard). Past ~65 530 mappings per process (vm.max_map_count)
    // mmap fails anywhere, also inside the JVM, which then dies: refuse clearly long before that.
    if (g_allocs.size() >= MAX_LIVE_ALLOCATIONS) {
        log_error("cuMemAlloc: %zu live allocations, the emulator's limit (3 memory maps each;"
                  " vm.max_map_count is ~65530)",
                  g_allocs.size());
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    const size_t data = round_up(bytes, 256), body = round_up(data, g_pageSize);
    const size_t mapBytes = body + 2 * g_pageSize;
    void* m = mmap(nullptr, mapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    char* base = static_cast<char*>(m);
    mprotect(base, g_pageSize, PROT_NONE);
    mprotect(base + g_pageSize + body, g_pageSize, PROT_NONE);
    char* start = base + g_pageSize + body - data;  // ends at the upper guard page (256-byte aligned, as cuMemAlloc)
    memset(base + g_pageSize, 0xff, body);          // uninitialised device memory reads as NaN / -1
    g_allocs[(uintptr_t)start] = Allocation{base, mapBytes, bytes};
    g_bytesAllocated += bytes;
    *p = (CUdeviceptr)(uintptr_t)start;
    return CUDA_SUCCESS;
}
// cuMemFree waits for the device (queued work may still use the memory), as the driver does.
EMU_API CUresult cuMemFree_v2(CUdeviceptr p) {
    LOCK;
    NEED_CONTEXT("cuMemFree");
    flush_queue();
    count_sync("cuMemFree");
    auto it = g_allocs.find((uintptr_t)p);
    if (it == g_allocs.end()) {
        log_error("cuMemFree of 0x%llx, which is not an allocation", p);
        return CUDA_ERROR_INVALID_VALUE;
    }
    munmap(it->second.mapBase, it->second.mapBytes);
    g_bytesAllocated -= it->second.bytes;
    g_allocs.erase(it);
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemGetInfo_v2(size_t* freeBytes, size_t* total) {
    LOCK;
    NEED_CONTEXT("cuMemGetInfo");
    if (!freeBytes || !total) return CUDA_ERROR_INVALID_VALUE;
    *total = g_memoryLimit;
    *freeBytes = g_memoryLimit - g_bytesAllocated;
    return CUDA_SUCCESS;
}

// Page-locked host memory: plain host pages here, remembered so that asynchronous copies can tell them from
// pageable memory (JCuda's Pointer.to(float[]) is pageable, and released when the call returns).
EMU_API CUresult cuMemAllocHost_v2(void** p, size_t bytes) {
    LOCK;
    NEED_CONTEXT("cuMemAllocHost");
    if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    void* m = mmap(nullptr, round_up(bytes, g_pageSize), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(m, 0xff, bytes);
    g_hostAllocs[(uintptr_t)m] = bytes;
    *p = m;
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemFreeHost(void* p) {
    LOCK;
    NEED_CONTEXT("cuMemFreeHost");
    flush_queue();
    count_sync("cuMemFreeHost");
    auto it = g_hostAllocs.find((uintptr_t)p);
    if (it == g_hostAllocs.end()) {
        log_error("cuMemFreeHost of %p, which is not a cuMemAllocHost allocation", p);
        return CUDA_ERROR_INVALID_VALUE;
    }
    munmap(p, round_up(it->second, g_pageSize));
    g_hostAllocs.erase(it);
    return CUDA_SUCCESS;
}

// Synchronous copies: wait for the stream's queued work first (legacy default stream semantics), then copy.
EMU_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
    LOCK;
    NEED_CONTEXT("cuMemcpyHtoD");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemcpyHtoD", dst, n)) return r;
    flush_queue();
    count_sync("cuMemcpyHtoD");
    if (n) memcpy(reinterpret_cast<void*>(dst), src, n);
    return sticky();
}
EMU_API CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
    LOCK;
    NEED_CONTEXT("cuMemcpyDtoH");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemcpyDtoH", src, n)) return r;
    flush_queue();
    count_sync("cuMemcpyDtoH");
    if (n) memcpy(dst, reinterpret_cast<const void*>(src), n);
    return sticky();
}
EMU_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    LOCK;
    NEED_CONTEXT("cuMemcpyDtoD");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemcpyDtoD (destination)", dst, n)) return r;
    if (CUresult r = check_range("cuMemcpyDtoD (source)", src, n)) return r;
    flush_queue();
    count_sync("cuMemcpyDtoD");
    if (n) memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
    return sticky();
}
// Asynchronous copies: queued when the host side is page-locked; from or to pageable memory the driver copies
// synchronously (a wait), and so does the emulator.
EMU_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, CUstream) {
    LOCK;
    NEED_CONTEXT("cuMemcpyHtoDAsync");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemcpyHtoDAsync", dst, n)) return r;
    if (n == 0) return CUDA_SUCCESS;
    if (!is_pinned(src, n)) return cuMemcpyHtoD_v2(dst, src, n);
    enqueue(PendingOp{OP_COPY, reinterpret_cast<char*>(dst), static_cast<const char*>(src), n, 0});
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, CUstream) {
    LOCK;
    NEED_CONTEXT("cuMemcpyDtoHAsync");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemcpyDtoHAsync", src, n)) return r;
    if (n == 0) return CUDA_SUCCESS;
    if (!is_pinned(dst, n)) return cuMemcpyDtoH_v2(dst, src, n);
    enqueue(PendingOp{OP_COPY, static_cast<char*>(dst), reinterpret_cast<const char*>(src), n, 0});
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream) {
    LOCK;
    NEED_CONTEXT("cuMemcpyDtoDAsync");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemcpyDtoDAsync (destination)", dst, n)) return r;
    if (CUresult r = check_range("cuMemcpyDtoDAsync (source)", src, n)) return r;
    if (n) enqueue(PendingOp{OP_COPY, reinterpret_cast<char*>(dst), reinterpret_cast<const char*>(src), n, 0});
    return CUDA_SUCCESS;
}
// Memsets of device memory do not block the host; the synchronous ones are ordered after the stream's work.
EMU_API CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, size_t n) {
    LOCK;
    NEED_CONTEXT("cuMemsetD8");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemsetD8", dst, n)) return r;
    flush_queue();
    if (n) memset(reinterpret_cast<void*>(dst), v, n);
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, CUstream) {
    LOCK;
    NEED_CONTEXT("cuMemsetD8Async");
    if (g_sticky) return g_sticky;
    if (CUresult r = check_range("cuMemsetD8Async", dst, n)) return r;
    if (n) enqueue(PendingOp{OP_SET8, reinterpret_cast<char*>(dst), nullptr, n, v});
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned v, size_t n) {
    LOCK;
    NEED_CONTEXT("cuMemsetD32");
    if (g_sticky) return g_sticky;
    if (dst % 4) return CUDA_ERROR_INVALID_VALUE;
    if (CUresult r = check_range("cuMemsetD32", dst, n * 4)) return r;
    flush_queue();
    unsigned* p = reinterpret_cast<unsigned*>(dst);
    for (size_t i = 0; i < n; i++) p[i] = v;
    return CUDA_SUCCESS;
}
EMU_API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned v, size_t n, CUstream) {
    LOCK;
    NEED_CONTEXT("cuMemsetD32Async");
    if (g_sticky) return g_sticky;
    if (dst % 4) return CUDA_ERROR_INVALID_VALUE;
    if (CUresult r = check_range("cuMemsetD32Async", dst, n * 4)) return r;
    if (n) enqueue(PendingOp{OP_SET32, reinterpret_cast<char*>(dst), nullptr, n, v});
    return CUDA_SUCCESS;
}

EMU_API CUresult cuEventCreate(CUevent* e, unsigned) {
    LOCK;
    NEED_CONTEXT("cuEventCreate");
    if (!e) return CUDA_ERROR_INVALID_VALUE;
    *e = reinterpret_cast<CUevent>(new EventImpl{{}, false, 0});
    return CUDA_SUCCESS;
}
EMU_API CUresult cuEventDestroy_v2(CUevent e) {
    LOCK;
    NEED_CONTEXT("cuEventDestroy");
    delete reinterpret_cast<EventImpl*>(e);
    return CUDA_SUCCESS;
}
EMU_API CUresult cuEventRecord(CUevent e, CUstream) {
    LOCK;
    NEED_CONTEXT("cuEventRecord");
    if (!e) return CUDA_ERROR_INVALID_HANDLE;
    auto* ev = reinterpret_cast<EventImpl*>(e);
    ev->t = std::chrono::steady_clock::now();
    ev->recorded = true;
    ev->seq = g_enqueued;
    return sticky();
}
EMU_API CUresult cuEventSynchronize(CUevent e) {
    LOCK;
    NEED_CONTEXT("cuEventSynchronize");
    if (!e) return CUDA_ERROR_INVALID_HANDLE;
    if (reinterpret_cast<EventImpl*>(e)->seq > g_executed) flush_queue();
    count_sync("cuEventSynchronize");
    return sticky();
}
// Not a wait: reports whether the work queued before the event has run (it runs at the next launch or wait).
EMU_API CUresult cuEventQuery(CUevent e) {
    LOCK;
    NEED_CONTEXT("cuEventQuery");
    if (!e) return CUDA_ERROR_INVALID_HANDLE;
    if (g_sticky) return g_sticky;
    return reinterpret_cast<EventImpl*>(e)->seq <= g_executed ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}
EMU_API CUresult cuEventElapsedTime(float* ms, CUevent a, CUevent b) {
    LOCK;
    NEED_CONTEXT("cuEventElapsedTime");
    if (!ms || !a || !b) return CUDA_ERROR_INVALID_VALUE;
    auto *ea = reinterpret_cast<EventImpl*>(a), *eb = reinterpret_cast<EventImpl*>(b);
    if (!ea->recorded || !eb->recorded) return CUDA_ERROR_INVALID_HANDLE;
    *ms = std::chrono::duration<float, std::milli>(eb->t - ea->t).count();
    return CUDA_SUCCESS;
}

EMU_API CUresult cuGetErrorName(CUresult r, const char** s) {
    if (!s) return CUDA_ERROR_INVALID_VALUE;
    *s = r == 0 ? "CUDA_SUCCESS" : "CUDA_ERROR (emulated)";
    return CUDA_SUCCESS;
}
EMU_API CUresult cuGetErrorString(CUresult r, const char** s) { return cuGetErrorName(r, s); }
