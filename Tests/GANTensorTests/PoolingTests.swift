import Testing
@testable import GANTensor
import GANTestSupport

/// One pooling configuration for the gradient checks.
struct PoolingCase: CustomTestStringConvertible, Sendable {
    var kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad = true
    var testDescription: String { "k\(kernel) s\(stride) p\(padding) includePad \(countIncludePad)" }
}

let poolingCases: [PoolingCase] = [
    PoolingCase(kernel: (2, 2), stride: (2, 2), padding: (0, 0)),
    PoolingCase(kernel: (3, 3), stride: (1, 1), padding: (1, 1)),
    PoolingCase(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false),
    PoolingCase(kernel: (3, 2), stride: (2, 1), padding: (1, 0)),
]

/// Distinct values at least 0.05 apart in a random order, so the argmax of every window is
/// unique and survives a finite-difference step.
func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let n = Shape.count(shape)
    let keys = Tensor.randomUniform([n], using: &rng).scalars
    let order = (0..<n).sorted { keys[$0] < keys[$1] }
    var values = [Float](repeating: 0, count: n)
    for (rank, i) in order.enumerated() { values[i] = Float(rank) * 0.05 - Float(n) * 0.025 }
    return Tensor(values, shape: shape)
}

struct PoolingTests {
    // MARK: - PyTorch parity

    @Test func poolingMatchesPyTorch() throws {
        let fixture = try Fixture("pool")
        #expect(fixture.cases.count >= 10)
        for name in fixture.cases {
            let p = fixture.parameters(name)
            let x = fixture["\(name).x"].requiringGradient()
            let kernel = pair(p["kernel"], default: 1), stride = pair(p["stride"], default: 1)
            let padding = pair(p["padding"], default: 0)
            let y: Tensor
            switch p["op"] as? String {
            case "avg_pool2d":
                y = x.avgPool2d(kernelSize: kernel, stride: stride, padding: padding,
                                countIncludePad: p["count_include_pad"] as? Bool ?? true)
            case "max_pool2d":
                y = x.maxPool2d(kernelSize: kernel, stride: stride, padding: padding)
            default:
                Issue.record("case \(name): unknown op \(String(describing: p["op"]))")
                continue
            }
            expectParity(name, p, y: y, x: x, fixture)
        }
    }

    @Test func resamplingMatchesPyTorch() throws {
        let fixture = try Fixture("upsample")
        #expect(fixture.cases.count >= 7)
        for name in fixture.cases {
            let p = fixture.parameters(name)
            let x = fixture["\(name).x"].requiringGradient()
            let alignCorners = p["align_corners"] as? Bool ?? false
            let y: Tensor
            switch p["op"] as? String {
            case "nearest":
                y = x.upsampledNearest(scale: p["scale"] as? Int ?? 0)
            case "bilinear":
                if p["size"] != nil {
                    y = x.upsampledBilinear(size: pair(p["size"], default: 0), alignCorners: alignCorners)
                } else {
                    y = x.upsampledBilinear(scale: p["scale"] as? Int ?? 0, alignCorners: alignCorners)
                }
            case "avgdown2":
                y = x.downsampled2x()
            default:
                Issue.record("case \(name): unknown op \(String(describing: p["op"]))")
                continue
            }
            expectParity(name, p, y: y, x: x, fixture)
        }
    }

    func expectParity(_ name: String, _ p: [String: Any], y: Tensor, x: Tensor, _ fixture: Fixture) {
        let expected = fixture["\(name).y"]
        guard y.shape == expected.shape else {
            Issue.record("case \(name) \(p): shape \(y.shape), expected \(expected.shape)")
            return
        }
        let forward = relativeError(y, expected)
        #expect(forward <= 1e-4, "case \(name) \(p): forward error \(forward)")
        let dx = gradients(of: y, wrt: [x], gradient: fixture["\(name).gy"])[0]
        let backward = relativeError(dx, fixture["\(name).dx"])
        #expect(backward <= 1e-4, "case \(name) \(p): dx error \(backward)")
    }

    // MARK: - Finite differences, first and second order

    @Test(arguments: poolingCases)
    func avgPoolGradients(_ c: PoolingCase) {
        var rng = RandomGenerator(seed: 41)
        let x = Tensor.randomNormal([2, 3, 6, 5], using: &rng)
        func pool(_ t: Tensor) -> Tensor {
            t.avgPool2d(kernelSize: c.kernel, stride: c.stride, padding: c.padding, countIncludePad: c.countIncludePad)
        }
        let first = checkGradients([x], epsilon: 1e-2) { pool($0[0]) }
        #expect(first.worstError < 5e-3, "\(first)")
        let second = checkGradients([x * 0.5], epsilon: 1e-2, secondOrder: true) { pool($0[0]).tanh() }
        #expect(second.worstError < 1e-2, "\(second)")
    }

    @Test(arguments: poolingCases)
    func maxPoolGradients(_ c: PoolingCase) {
        let x = distinctValues([2, 2, 6, 5], seed: 42)
        func pool(_ t: Tensor) -> Tensor { t.maxPool2d(kernelSize: c.kernel, stride: c.stride, padding: c.padding) }
        let first = checkGradients([x], epsilon: 1e-2, maxElements: 120) { pool($0[0]) }
        #expect(first.worstError < 5e-3, "\(first)")
        let second = checkGradients([x], epsilon: 1e-2, maxElements: 120, secondOrder: true) { pool($0[0]).square() }
        #expect(second.worstError < 1e-2, "\(second)")
    }

    @Test func maxPoolPadsWithNegativeInfinity() {
        let x = Tensor([-5, -6, -7, -8], shape: [1, 1, 2, 2]).requiringGradient()
        let y = x.maxPool2d(kernelSize: (2, 2), stride: (1, 1), padding: (1, 1))
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.scalars == [-5, -5, -6, -5, -5, -6, -7, -7, -8])
        let dx = gradients(of: y.sum(), wrt: [x])[0]
        #expect(dx.scalars == [4, 2, 2, 1])
    }

    /// Wide rows (the vectorised 2×2 path), ties (the first maximum wins), NaN (it wins) and
    /// -infinity, against a direct loop.
    @Test(arguments: [(2, 2, 0), (3, 2, 1), (2, 1, 1)])
    func maxPoolMatchesDirectLoop(_ k: Int, _ s: Int, _ p: Int) {
        let (n, c, h, w) = (2, 2, 6, 37)
        var rng = RandomGenerator(seed: 47)
        var values = Tensor.randomNormal([n, c, h, w], using: &rng).scalars.map { ($0 * 4).rounded() / 4 }  // many ties
        values[5] = .nan
        values[w * 2 + 20] = .nan
        values[h * w + 3] = -.infinity
        values[h * w + 4] = -.infinity
        let x = Tensor(values, shape: [n, c, h, w]).requiringGradient()
        let y = x.maxPool2d(kernelSize: (k, k), stride: (s, s), padding: (p, p))
        let (oh, ow) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1)
        #expect(y.shape == [n, c, oh, ow])
        let gy = Tensor.randomNormal(y.shape, using: &rng)
        let dx = gradients(of: y, wrt: [x], gradient: gy)[0].scalars
        var expected = [Float](), expectedGradient = [Float](repeating: 0, count: values.count)
        let g = gy.scalars
        for plane in 0..<(n * c) {
            for i in 0..<oh {
                for j in 0..<ow {
                    var best = -Float.infinity, at = -1
                    for u in Swift.max(0, i * s - p)..<Swift.min(h, i * s - p + k) {
                        for v in Swift.max(0, j * s - p)..<Swift.min(w, j * s - p + k) {
                            let e = plane * h * w + u * w + v
                            if at < 0 || (!best.isNaN && (values[e] > best || values[e].isNaN)) { best = values[e]; at = e }
                        }
                    }
                    expected.append(best)
                    expectedGradient[at] += g[expected.count - 1]
                }
            }
        }
        let got = y.scalars
        #expect(got.count == expected.count)
        for i in 0..<Swift.min(got.count, expected.count) where !(got[i] == expected[i] || got[i].isNaN && expected[i].isNaN) {
            Issue.record("output \(i): \(got[i]), expected \(expected[i])")
            break
        }
        #expect(dx == expectedGradient)
    }

    @Test(arguments: [1, 2, 3])
    func nearestGradients(_ scale: Int) {
        var rng = RandomGenerator(seed: 43)
        let x = Tensor.randomNormal([2, 2, 3, 4], using: &rng)
        let first = checkGradients([x], epsilon: 1e-2) { $0[0].upsampledNearest(scale: scale) }
        #expect(first.worstError < 5e-3, "\(first)")
        let second = checkGradients([x * 0.5], epsilon: 1e-2, secondOrder: true) {
            $0[0].upsampledNearest(scale: scale).tanh()
        }
        #expect(second.worstError < 1e-2, "\(second)")
    }

    @Test(arguments: [false, true])
    func bilinearGradients(_ alignCorners: Bool) {
        var rng = RandomGenerator(seed: 44)
        let x = Tensor.randomNormal([2, 2, 3, 4], using: &rng)
        for resample in [{ (t: Tensor) in t.upsampledBilinear(scale: 2, alignCorners: alignCorners) },
                         { (t: Tensor) in t.upsampledBilinear(size: (5, 7), alignCorners: alignCorners) },
                         { (t: Tensor) in t.upsampledBilinear(size: (2, 3), alignCorners: alignCorners) }] {
            let first = checkGradients([x], epsilon: 1e-2) { resample($0[0]) }
            #expect(first.worstError < 5e-3, "\(first)")
            let second = checkGradients([x * 0.5], epsilon: 1e-2, secondOrder: true) { resample($0[0]).tanh() }
            #expect(second.worstError < 1e-2, "\(second)")
        }
    }

    @Test func downsamplingGradients() {
        var rng = RandomGenerator(seed: 45)
        let x = Tensor.randomNormal([2, 3, 6, 5], using: &rng)  // odd width: the last column is dropped
        #expect(x.downsampled2x().shape == [2, 3, 3, 2])
        let first = checkGradients([x], epsilon: 1e-2) { $0[0].downsampled2x() }
        #expect(first.worstError < 5e-3, "\(first)")
        let second = checkGradients([x * 0.5], epsilon: 1e-2, secondOrder: true) { $0[0].downsampled2x().tanh() }
        #expect(second.worstError < 1e-2, "\(second)")
    }

    // MARK: - Values

    @Test func nearestThenDownsampleIsIdentity() {
        var rng = RandomGenerator(seed: 46)
        let x = Tensor.randomNormal([2, 3, 4, 5], using: &rng)
        #expect(relativeError(x.upsampledNearest(scale: 2).downsampled2x(), x) < 1e-6)
        #expect(relativeError(x.upsampledNearest(scale: 3).avgPool2d(kernelSize: (3, 3)), x) < 1e-6)
        #expect(relativeError(x.upsampledBilinear(size: (4, 5), alignCorners: false), x) < 1e-6)
    }

    @Test func bilinearKeepsConstantsAndCorners() {
        let x = Tensor.full([1, 2, 3, 4], 1.5)
        for alignCorners in [false, true] {
            let y = x.upsampledBilinear(size: (7, 9), alignCorners: alignCorners)
            #expect(relativeError(y, Tensor.full([1, 2, 7, 9], 1.5)) < 1e-6)
        }
        let ramp = Tensor([0, 1, 2, 3], shape: [1, 1, 1, 4])
        let aligned = ramp.upsampledBilinear(size: (1, 7), alignCorners: true)
        #expect(relativeError(aligned, Tensor([0, 0.5, 1, 1.5, 2, 2.5, 3], shape: [1, 1, 1, 7])) < 1e-6)
    }

    // MARK: - Inference paths

    /// Without a graph, max pooling keeps no indices and takes the separable C kernel: the
    /// values must be the recorded op's, bit for bit (ties of 0 and -0 included, NaN kept).
    @Test(arguments: [(3, 2, 0), (3, 1, 1), (2, 2, 0), (3, 2, 1), (8, 8, 0)])
    func maxPoolWithoutGraphMatchesRecorded(_ k: Int, _ s: Int, _ p: Int) {
        let (n, c, h, w) = (2, 3, 17, 19)
        var rng = RandomGenerator(seed: 48)
        var values = Tensor.randomNormal([n, c, h, w], using: &rng).scalars.map { ($0 * 2).rounded() / 2 }  // ties
        for i in stride(from: 0, to: values.count, by: 7) where values[i] == 0 { values[i] = -0.0 }
        values[11] = .nan
        values[h * w + 5] = -.infinity
        let x = Tensor(values, shape: [n, c, h, w])
        let recorded = x.requiringGradient().maxPool2d(kernelSize: (k, k), stride: (s, s), padding: (p, p))
        let inference = withoutGradients { x.requiringGradient().maxPool2d(kernelSize: (k, k), stride: (s, s), padding: (p, p)) }
        #expect(recorded.requiresGradient && !inference.requiresGradient)
        #expect(inference.shape == recorded.shape)
        let (a, b) = (inference.scalars, recorded.scalars)
        #expect(a.count == b.count)
        for i in 0..<Swift.min(a.count, b.count) where !(a[i].bitPattern == b[i].bitPattern || a[i].isNaN && b[i].isNaN) {
            Issue.record("output \(i): \(a[i]) without a graph, \(b[i]) recorded")
            break
        }
    }

    /// Average pooling sums each window's taps in raster order from 0 and then scales: the same
    /// bits as this loop, for every divisor (the C kernel reorders loops, not additions).
    @Test(arguments: poolingCases)
    func avgPoolMatchesRasterOrderLoop(_ c: PoolingCase) {
        let (n, ch, h, w) = (2, 2, 9, 11)
        var rng = RandomGenerator(seed: 49)
        let x = Tensor.randomNormal([n, ch, h, w], using: &rng)
        let values = x.scalars
        let (k, s, p) = (c.kernel, c.stride, c.padding)
        let (oh, ow) = ((h + 2 * p.0 - k.0) / s.0 + 1, (w + 2 * p.1 - k.1) / s.1 + 1)
        for divisor in [PoolingDivisor.kernelArea, .validTaps, .fixed(3)] {
            var expected = [Float]()
            for plane in 0..<(n * ch) {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let rows = Swift.max(0, i * s.0 - p.0)..<Swift.min(h, i * s.0 - p.0 + k.0)
                        let columns = Swift.max(0, j * s.1 - p.1)..<Swift.min(w, j * s.1 - p.1 + k.1)
                        var sum: Float = 0
                        for u in rows { for v in columns { sum += values[plane * h * w + u * w + v] } }
                        switch divisor {
                        case .kernelArea: expected.append(sum * (1 / Float(k.0 * k.1)))
                        case .validTaps: expected.append(sum * (1 / Float(rows.count * columns.count)))
                        case .fixed(let d): expected.append(sum * (1 / d))
                        }
                    }
                }
            }
            let g = x.poolingGeometry("test", kernelSize: k, stride: s, padding: p)
            let y = Tensor.averagePool(x, g, divisor)
            #expect(y.scalars == expected, "\(divisor)")
        }
    }
}
