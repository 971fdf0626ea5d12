import Testing
@testable import GANTensor
import GANTestSupport

struct ReductionTests {
    static let axisCases: [([Int], [Int])] = [
        ([5], []), ([3, 4], [0]), ([3, 4], [1]), ([3, 4], [-1]), ([2, 3, 4], [0, 2]),
        ([2, 3, 4], [1]), ([2, 3, 4], []), ([4, 3, 2, 2], [0, 2, 3]), ([2, 1, 3], [1]),
    ]

    /// Reference reduction by brute force.
    func reference(_ x: Tensor, axes: [Int], _ f: ([Float]) -> Float) -> [Float] {
        let all = axes.isEmpty ? Array(0..<x.rank) : axes.map { $0 < 0 ? $0 + x.rank : $0 }
        let outShape = x.shape.enumerated().map { all.contains($0.offset) ? 1 : $0.element }
        let strides = Shape.strides(x.shape), outStrides = Shape.strides(outShape)
        var groups = [[Float]](repeating: [], count: Shape.count(outShape))
        let v = x.scalars
        for i in 0..<x.count {
            var rem = i, o = 0
            for d in 0..<x.rank {
                let k = rem / strides[d]; rem %= strides[d]
                if !all.contains(d) { o += k * outStrides[d] }
            }
            groups[o].append(v[i])
        }
        return groups.map(f)
    }

    @Test(arguments: axisCases)
    func forwardValues(_ shape: [Int], _ axes: [Int]) {
        let x = testInput(shape, seed: 11)
        func close(_ a: [Float], _ b: [Float], _ name: String) {
            #expect(a.count == b.count, "\(name) count")
            for (p, q) in zip(a, b) { #expect(Swift.abs(p - q) <= 1e-5 * Swift.max(1, Swift.abs(q)), "\(name) \(shape) \(axes): \(p) vs \(q)") }
        }
        close(x.sum(axes: axes).scalars, reference(x, axes: axes) { $0.reduce(0, +) }, "sum")
        close(x.mean(axes: axes).scalars, reference(x, axes: axes) { $0.reduce(0, +) / Float($0.count) }, "mean")
        close(x.max(axes: axes).scalars, reference(x, axes: axes) { $0.max()! }, "max")
        close(x.min(axes: axes).scalars, reference(x, axes: axes) { $0.min()! }, "min")
        close(x.variance(axes: axes, correction: 0).scalars, reference(x, axes: axes) { g in
            let m = g.reduce(0, +) / Float(g.count)
            return g.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(g.count)
        }, "variance")
        close(x.logSumExp(axes: axes).scalars, reference(x, axes: axes) { g in
            Float(libmLog(g.map { Double($0) }.map(libmExp).reduce(0, +)))
        }, "logSumExp")
        close(x.l2Norm(axes: axes).scalars, reference(x, axes: axes) { g in g.map { $0 * $0 }.reduce(0, +).squareRoot() }, "l2Norm")
        #expect(x.sum(axes: axes, keepDims: true).rank == x.rank)
    }

    @Test(arguments: axisCases)
    func gradients(_ shape: [Int], _ axes: [Int]) {
        let x = testInput(shape, seed: 12)
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("sum", { $0.sum(axes: axes) }), ("mean", { $0.mean(axes: axes, keepDims: true) }),
            ("variance", { $0.variance(axes: axes) }), ("max", { $0.max(axes: axes) }),
            ("min", { $0.min(axes: axes) }), ("logSumExp", { $0.logSumExp(axes: axes) }),
            ("l2Norm", { $0.l2Norm(axes: axes) }),
        ]
        for (name, f) in ops {
            if name == "variance" && axes.reduce(1, { $0 * shape[$1 < 0 ? $1 + shape.count : $1] }) == 1 && !axes.isEmpty { continue }
            let check = checkGradients([x]) { f($0[0]) }
            #expect(check.worstError < 2e-3, "\(name) \(shape) \(axes): \(check)")
            let second = checkGradients([x], epsilon: 1e-2, secondOrder: true) { f($0[0]).square() }
            #expect(second.worstError < 1e-2, "\(name) second order \(shape) \(axes): \(second)")
        }
    }

    @Test func argmaxAndTies() {
        let x = Tensor([1, 5, 5, 2, 0, -1], shape: [2, 3])
        #expect(x.argmax(axis: 1) == [1, 0])
        #expect(x.argmin(axis: 1) == [0, 2])
        #expect(x.argmax(axis: 0) == [1, 0, 0])
        // amax semantics: tied maxima share the gradient.
        let leaf = x.requiringGradient()
        leaf.max(axis: 1).sum().backward()
        #expect(leaf.gradient!.scalars == [0, 0.5, 0.5, 1, 0, 0])
    }

    @Test func l2NormGradientAtZeroIsZero() {
        let x = Tensor.zeros([3]).requiringGradient()
        x.l2Norm().backward()
        #expect(x.gradient!.scalars == [0, 0, 0])
    }

    @Test func softmaxMatchesPyTorch() throws {
        let fixture = try Fixture("softmax")
        #expect(!fixture.cases.isEmpty)
        for c in fixture.cases {
            let p = fixture.parameters(c)
            let dim = p["dim"] as! Int
            let x = fixture.tensor(c, "x")!.requiringGradient()
            let y = (p["op"] as! String) == "softmax" ? x.softmax(axis: dim) : x.logSoftmax(axis: dim)
            #expect(relativeError(y, fixture.tensor(c, "y")!) <= 1e-4, "\(c) \(p) forward")
            let dx = GANTensor.gradients(of: y, wrt: [x], gradient: fixture.tensor(c, "gy")!)[0]
            #expect(relativeError(dx, fixture.tensor(c, "dx")!) <= 1e-4, "\(c) \(p) gradient")
        }
    }

    @Test func softmaxGradients() {
        let x = testInput([3, 5], seed: 13)
        for axis in [0, 1, -1] {
            let a = checkGradients([x]) { $0[0].softmax(axis: axis) }
            #expect(a.worstError < 2e-3, "softmax \(axis): \(a)")
            let b = checkGradients([x]) { $0[0].logSoftmax(axis: axis) }
            #expect(b.worstError < 2e-3, "logSoftmax \(axis): \(b)")
            let c = checkGradients([x], epsilon: 1e-2, secondOrder: true) { $0[0].logSoftmax(axis: axis).square() }
            #expect(c.worstError < 1e-2, "logSoftmax second order \(axis): \(c)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
private func libmLog(_ x: Double) -> Double { log(x) }
private func libmExp(_ x: Double) -> Double { exp(x) }
