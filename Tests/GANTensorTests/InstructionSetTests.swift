import Testing
@testable import GANTensor
import GANTestSupport

/// The C kernels have an AVX-512, an AVX2 and a portable path, chosen once per process. These
/// tests compare the path in effect with plain loops; `.ci/run` runs GANTensorTests again
/// under `GAN_KERNELS_ISA=generic` and `avx2`, so every path is checked. (Switching the path
/// inside the test process would change the numerics of tests running beside it.)
@Suite struct InstructionSetTests {
    /// Element-wise arithmetic and rectifiers give the scalar operator's bits on every path,
    /// for lengths around the vector widths and with scalar operands on either side.
    @Test func elementwiseIsBitExact() {
        var rng = RandomGenerator(seed: 7)
        for n in [1, 3, 4, 7, 8, 15, 16, 17, 33, 100] {
            let a = Tensor.randomNormal([n], using: &rng), b = Tensor.randomNormal([n], using: &rng) + 0.5
            let s = Tensor(Float(1.7))
            let (xa, xb) = (a.scalars, b.scalars)
            #expect((a + b).scalars == zip(xa, xb).map { $0 + $1 })
            #expect((a - b).scalars == zip(xa, xb).map { $0 - $1 })
            #expect((a * b).scalars == zip(xa, xb).map { $0 * $1 })
            #expect((a / b).scalars == zip(xa, xb).map { $0 / $1 })
            #expect((a * s).scalars == xa.map { $0 * 1.7 })
            #expect((s - b).scalars == xb.map { 1.7 - $0 })
            #expect(a.relu().scalars == xa.map { Swift.max($0, 0) })
            #expect((-a).scalars.map(\.bitPattern) == xa.map { (-$0).bitPattern })
            #expect(a.square().scalars == xa.map { $0 * $0 })
            #expect(b.abs().sqrt().scalars == xb.map { Swift.abs($0).squareRoot() })
            #expect(b.abs().rsqrt().scalars == xb.map { 1 / Swift.abs($0).squareRoot() })
            #expect(a.broadcast(to: [2, n]).scalars == xa + xa)
            #expect(a.leakyRelu(negativeSlope: 0.2).scalars == xa.map { $0 > 0 ? $0 : $0 * 0.2 })
        }
        // Broadcast rows: [2, 3, 5] with a per-channel [1, 3, 1] operand.
        let x = Tensor.randomNormal([2, 3, 5], using: &rng), c = Tensor.randomNormal([1, 3, 1], using: &rng)
        let expected = (0..<30).map { x.scalars[$0] * c.scalars[($0 / 5) % 3] }
        #expect((x * c).scalars == expected)
    }

    /// Forward convolution against a direct loop, and the input and weight gradients
    /// against the adjoint identities <conv(x, w), g> = <x, convᵀ(g, w)> = <w, ∂w>, in
    /// Double, on every path. The geometries cover stride 1, 2 and 3, rows shorter and
    /// longer than 8 and 16 outputs (the AVX-512 stride-2 paths), padding and dilation.
    @Test func convolutionPaths() {
        let isa = Kernels.instructionSet
        var rng = RandomGenerator(seed: 11)
        // (channels, height, width, outputs, kernel, stride, padding, dilation)
        let cases = [(3, 14, 14, 4, 4, 2, 1, 1), (2, 9, 37, 3, 4, 2, 1, 1), (2, 7, 7, 2, 3, 1, 1, 1),
                     (2, 11, 40, 3, 3, 1, 2, 1), (2, 12, 13, 2, 3, 3, 1, 1), (2, 10, 20, 2, 3, 2, 2, 2),
                     (1, 6, 5, 2, 4, 2, 1, 1)]
        for (c, h, w, o, k, s, p, d) in cases {
            let x = Tensor.randomNormal([2, c, h, w], using: &rng).requiringGradient()
            let weight = Tensor.randomNormal([o, c, k, k], using: &rng).requiringGradient()
            let y = x.conv2d(weight: weight, stride: (s, s), padding: (p, p), dilation: (d, d))
            let expected = directConvolution(x, weight, stride: s, padding: p, dilation: d)
            #expect(relativeError(y, expected) < 1e-5, "\(isa) forward \((c, h, w, o, k, s, p, d))")
            let g = Tensor.randomNormal(y.shape, using: &rng)
            let grads = gradients(of: y, wrt: [x, weight], gradient: g)
            let inner = dot(expected, g)
            #expect(abs(dot(x, grads[0]) - inner) <= 1e-4 * Swift.max(1, abs(inner)), "\(isa) input gradient")
            #expect(abs(dot(weight, grads[1]) - inner) <= 1e-4 * Swift.max(1, abs(inner)), "\(isa) weight gradient")
        }
    }

    private func dot(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.scalars, b.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
}
