import Testing
@testable import GANTensor
import GANTestSupport

/// Deterministic test inputs away from the kinks of relu/abs/clamp.
func testInput(_ shape: [Int], seed: UInt64 = 1, scale: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randomNormal(shape, standardDeviation: scale, using: &rng)
}

/// Inputs in [lower, upper) for functions with a restricted domain.
func positiveInput(_ shape: [Int], seed: UInt64 = 2, lower: Float = 0.5, upper: Float = 2) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, lower: lower, upper: upper, using: &rng)
}

struct ElementwiseTests {
    static let broadcastPairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]),
        ([1], [2, 3]), ([], [2, 2]), ([2, 1, 3], [2, 4, 1]), ([4, 3, 2, 2], [3, 1, 1]),
    ]

    @Test(arguments: broadcastPairs)
    func binaryOpsForwardMatchScalarLoops(_ sa: [Int], _ sb: [Int]) {
        let a = testInput(sa, seed: 3), b = positiveInput(sb, seed: 4)
        let out = Shape.broadcast(sa, sb)!
        let ia = ElementwiseKernels.broadcastStrides(sa, in: out)
        let ib = ElementwiseKernels.broadcastStrides(sb, in: out)
        let strides = Shape.strides(out)
        let av = a.scalars, bv = b.scalars
        for (op, f) in [("+", { (x: Float, y: Float) in x + y }), ("-", { $0 - $1 }), ("*", { $0 * $1 }), ("/", { $0 / $1 })] {
            let y: Tensor
            switch op {
            case "+": y = a + b
            case "-": y = a - b
            case "*": y = a * b
            default: y = a / b
            }
            #expect(y.shape == out)
            let yv = y.scalars
            for i in 0..<Shape.count(out) {
                var rem = i, oa = 0, ob = 0
                for d in 0..<out.count {
                    let k = rem / strides[d]; rem %= strides[d]
                    oa += k * ia[d]; ob += k * ib[d]
                }
                #expect(yv[i] == f(av[oa], bv[ob]), "\(op) at \(i) for \(sa) \(sb)")
            }
        }
    }

    @Test(arguments: broadcastPairs)
    func binaryOpsGradients(_ sa: [Int], _ sb: [Int]) {
        let a = testInput(sa, seed: 5), b = positiveInput(sb, seed: 6)
        for f in [{ (x: [Tensor]) in x[0] + x[1] }, { $0[0] - $0[1] }, { $0[0] * $0[1] }, { $0[0] / $0[1] },
                  { Tensor.maximum($0[0], $0[1]) }, { Tensor.minimum($0[0], $0[1]) }] {
            let check = checkGradients([a, b], f)
            #expect(check.worstError < 2e-3, "\(sa) \(sb): \(check)")
            let second = checkGradients([a, b], epsilon: 1e-2, secondOrder: true) { f($0).tanh() }
            #expect(second.worstError < 1e-2, "second order \(sa) \(sb): \(second)")
        }
    }

    static let unaryCases: [(String, (Tensor) -> Tensor, Bool)] = [
        ("neg", { -$0 }, false), ("exp", { $0.exp() }, false), ("log", { $0.log() }, true),
        ("log1p", { $0.log1p() }, true), ("sqrt", { $0.sqrt() }, true), ("rsqrt", { $0.rsqrt() }, true),
        ("pow3", { $0.pow(3) }, false), ("pow-1.5", { $0.pow(-1.5) }, true), ("square", { $0.square() }, false),
        ("abs", { $0.abs() }, false), ("clamp", { $0.clamped(min: -0.5, max: 0.7) }, false),
        ("relu", { $0.relu() }, false), ("leakyRelu", { $0.leakyRelu(negativeSlope: 0.2) }, false),
        ("elu", { $0.elu(alpha: 0.8) }, false), ("sigmoid", { $0.sigmoid() }, false),
        ("tanh", { $0.tanh() }, false), ("softplus", { $0.softplus() }, false),
        ("logSigmoid", { $0.logSigmoid() }, false),
    ]

    @Test(arguments: unaryCases.indices, [[7], [3, 5], [2, 3, 4]])
    func unaryGradients(_ index: Int, _ shape: [Int]) {
        let (name, f, positive) = ElementwiseTests.unaryCases[index]
        // Keep finite differences away from kinks: |x| >= 0.05 and away from the clamp bounds.
        let raw = positive ? positiveInput(shape) : testInput(shape)
        let x = Tensor(raw.scalars.map { v in
            var v = v
            if Swift.abs(v) < 0.05 { v += 0.1 }
            if Swift.abs(v + 0.5) < 0.02 || Swift.abs(v - 0.7) < 0.02 { v += 0.05 }
            return v
        }, shape: shape)
        let first = checkGradients([x]) { f($0[0]) }
        #expect(first.worstError < 2e-3, "\(name) \(shape): \(first)")
        let second = checkGradients([x], epsilon: 1e-2, secondOrder: true) { f($0[0]) * f($0[0]) }
        #expect(second.worstError < 1e-2, "\(name) second order \(shape): \(second)")
    }

    @Test func unaryValues() {
        let x = Tensor([-3, -0.5, 0, 0.25, 2], shape: [5])
        func expectClose(_ t: Tensor, _ expected: [Float], _ name: String, tolerance: Float = 1e-6) {
            for (a, e) in zip(t.scalars, expected) {
                #expect(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)), "\(name): \(t.scalars) vs \(expected)")
            }
        }
        expectClose(x.relu(), [0, 0, 0, 0.25, 2], "relu")
        expectClose(x.leakyRelu(negativeSlope: 0.2), [-0.6, -0.1, 0, 0.25, 2], "leakyRelu")
        expectClose(x.sigmoid(), [0.047425873, 0.37754067, 0.5, 0.5621765, 0.8807971], "sigmoid")
        expectClose(x.tanh(), [-0.9950548, -0.46211716, 0, 0.24491866, 0.9640276], "tanh")
        expectClose(x.softplus(), [0.048587352, 0.47407698, 0.6931472, 0.8259394, 2.126928], "softplus")
        expectClose(x.logSigmoid(), [-3.0485873, -0.974077, -0.6931472, -0.5759394, -0.126928], "logSigmoid")
        expectClose(x.elu(), [-0.95021296, -0.39346933, 0, 0.25, 2], "elu")
        expectClose(x.sign(), [-1, -1, 0, 1, 1], "sign")
        expectClose(x.clamped(min: -1, max: 1), [-1, -0.5, 0, 0.25, 1], "clamp")
        expectClose(x.exp(), [0.049787067, 0.60653067, 1, 1.2840254, 7.389056], "exp")
        // Extremes stay finite where the math is finite.
        let big = Tensor([-100, 100], shape: [2])
        #expect(big.softplus().scalars[0] < 1e-40 && big.softplus().scalars[1] == 100)
        #expect(big.sigmoid().scalars[1] == 1 && big.sigmoid().scalars[0] >= 0)
        #expect(Swift.abs(big.logSigmoid().scalars[1]) < 1e-40 && big.logSigmoid().scalars[0] == -100)
        #expect(big.tanh().scalars == [-1, 1])
    }

    @Test func whereAndComparisons() {
        let a = Tensor([1, 2, 3, 4], shape: [4]), b = Tensor([4, 2, 1, 5], shape: [4])
        #expect(a.isGreater(than: b).scalars == [0, 0, 1, 0])
        #expect(a.isGreaterOrEqual(to: b).scalars == [0, 1, 1, 0])
        #expect(a.isLess(than: b).scalars == [1, 0, 0, 1])
        #expect(a.isLessOrEqual(to: b).scalars == [1, 1, 0, 1])
        #expect(a.isEqual(to: b).scalars == [0, 1, 0, 0])
        #expect(a.isNotEqual(to: b).scalars == [1, 0, 1, 1])
        let cond = Tensor([1, 0], shape: [2, 1])
        let y = Tensor.where(cond, a.reshaped([1, 4]), Tensor(-1))
        #expect(y.shape == [2, 4])
        #expect(y.scalars == [1, 2, 3, 4, -1, -1, -1, -1])
        let check = checkGradients([testInput([2, 3]), testInput([3], seed: 9)]) {
            Tensor.where(Tensor([1, 0, 1, 0, 0, 1], shape: [2, 3]), $0[0], $0[1])
        }
        #expect(check.worstError < 2e-3, "\(check)")
    }

    @Test func maximumSplitsTiesLikePyTorch() {
        let a = Tensor([1, 2], shape: [2]).requiringGradient()
        let b = Tensor([1, 1], shape: [2]).requiringGradient()
        Tensor.maximum(a, b).sum().backward()
        #expect(a.gradient!.scalars == [0.5, 1])
        #expect(b.gradient!.scalars == [0.5, 0])
    }
}
