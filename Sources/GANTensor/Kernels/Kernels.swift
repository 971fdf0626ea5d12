import GANKernels

/// Facts about the compiled kernels.
public enum Kernels {
    /// The instruction set the C kernels dispatched to: `avx512`, `avx2` or `generic`.
    public static var instructionSet: String { String(cString: gk_isa_name()) }
}

extension Kernels {
    /// Runs `body` with the C kernels dispatched to `name` (`generic`, `avx2`, `avx512`; capped
    /// by the CPU), then goes back to the default choice. For tests of every code path; not
    /// safe while other threads run kernels. Returns the instruction set that was in effect.
    @discardableResult
    public static func withInstructionSet<R>(_ name: String, _ body: (String) throws -> R) rethrows -> R {
        let effective = String(cString: gk_set_isa(name))
        defer { gk_set_isa(nil) }
        return try body(effective)
    }
}
