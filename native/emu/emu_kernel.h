// The emulator's kernel registry (emu_kernels.cpp fills it; emu_driver.cpp looks names up in it).
#pragma once
struct EmuKernel {
    const char* name;
    void* fn;
    void (*invoke)(void* fn, void** params);  // calls fn with the launch's kernelParams, typed by fn's signature
};
extern "C" const EmuKernel jp_emu_kernels[];
extern "C" const int jp_emu_kernel_count;
