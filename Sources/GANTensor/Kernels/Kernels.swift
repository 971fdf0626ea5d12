import GANKernels

/// Facts about the compiled kernels.
public enum Kernels {
    /// The instruction set the C kernels dispatched to: `avx512`, `avx2` or `generic`.
    public static var instructionSet: String { String(cString: gk_isa_name()) }
}

