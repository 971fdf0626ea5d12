import Foundation
import Testing
@testable import GANMetrics
import GANTensor
import GANTestSupport

/// The statistics behind FID, KID, IS and precision/recall against NumPy/SciPy references
/// (`scripts/make_metric_fixtures.py` → `Tests/Fixtures/metrics.safetensors`).
struct StatisticsTests {
    static let fixture = Result { try Fixture("metrics") }

    static func load() throws -> Fixture { try fixture.get() }

    static func features(_ fixture: Fixture, _ name: String) throws -> FeatureMatrix {
        try FeatureMatrix(fixture[name], name: name)
    }

    static func number(_ parameters: [String: Any], _ key: String) -> Double {
        guard let value = parameters[key] as? Double else { preconditionFailure("fixture has no number \(key)") }
        return value
    }

    static func numbers(_ parameters: [String: Any], _ key: String) -> [Double] {
        guard let value = parameters[key] as? [Double] else { preconditionFailure("fixture has no list \(key)") }
        return value
    }

    static func relative(_ actual: Double, _ expected: Double) -> Double {
        abs(actual - expected) / max(abs(expected), 1e-300)
    }

    /// The backends to exercise: always the built-in one, and LAPACK when a library is found.
    static var backends: [DoubleLinearAlgebra.Backend] {
        [.builtin] + (DoubleLinearAlgebra.lapackBackend.map { [$0] } ?? [])
    }

    static let missingLAPACKNote: Void = {
        if DoubleLinearAlgebra.lapackBackend == nil {
            print("StatisticsTests: no BLAS/LAPACK library found (GAN_BLAS=\(ProcessInfo.processInfo.environment["GAN_BLAS"] ?? "unset")); skipping the LAPACK path")
        }
    }()

    static func noteMissingLAPACK() { _ = missingLAPACKNote }

    // MARK: Feature statistics

    @Test(arguments: ["fid", "fid_rank"])
    func statisticsMatchNumPy(_ name: String) throws {
        let fixture = try Self.load(), expected = fixture.parameters(name)
        let stats = try FeatureStatistics(features: fixture["\(name).a"])
        let d = stats.dimension
        #expect(stats.count == fixture["\(name).a"].shape[0])
        #expect(Self.relative(stats.mean.reduce(0, +), Self.number(expected, "mean_sum")) < 1e-9)
        #expect(Self.relative(stats.mean[5], Self.number(expected, "mean_5")) < 1e-10)
        #expect(Self.relative(stats.covarianceTrace, Self.number(expected, "cov_trace")) < 1e-10)
        let frobenius = stats.covariance.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(Self.relative(frobenius, Self.number(expected, "cov_frobenius")) < 1e-10)
        let entries = try #require(expected["cov_entries"] as? [[Double]])
        for entry in entries {
            let (i, j) = (Int(entry[0]), Int(entry[1]))
            #expect(Self.relative(stats.covariance[i * d + j], entry[2]) < 1e-9, "\(name) covariance[\(i), \(j)]")
        }
    }

    @Test func batchesAccumulateToTheSameStatistics() throws {
        let fixture = try Self.load()
        let all = try Self.features(fixture, "fid.a")
        let whole = try FeatureStatistics(all)
        let values = fixture["fid.a"].scalars, d = all.dimension
        var accumulator = FeatureStatistics.Accumulator(name: "fid.a")
        // Uneven batches, the first far from the mean, so the shift matters.
        for rows in [0..<7, 7..<100, 100..<101, 101..<300] {
            try accumulator.add(FeatureMatrix(Array(values[(rows.lowerBound * d)..<(rows.upperBound * d)]),
                                              shape: [rows.count, d]))
        }
        let batched = try accumulator.statistics()
        #expect(batched.count == whole.count)
        let meanError = zip(batched.mean, whole.mean).map { abs($0 - $1) }.max()!
        let covarianceError = zip(batched.covariance, whole.covariance).map { abs($0 - $1) }.max()!
        #expect(meanError < 1e-13, "mean differs by \(meanError)")
        #expect(covarianceError < 1e-12, "covariance differs by \(covarianceError)")
    }

    @Test func statisticsSurviveSaveAndLoad() throws {
        let fixture = try Self.load()
        let stats = try FeatureStatistics(features: fixture["fid.b"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stats-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try stats.save(to: url)
        let loaded = try FeatureStatistics(contentsOf: url)
        #expect(loaded.count == stats.count && loaded.dimension == stats.dimension)
        let meanError = zip(loaded.mean, stats.mean).map { abs($0 - $1) / max(abs($1), 1e-300) }.max()!
        let scale = stats.covariance.map(abs).max()!
        let covarianceError = zip(loaded.covariance, stats.covariance).map { abs($0 - $1) }.max()! / scale
        #expect(meanError < 1e-13 && covarianceError < 1e-13, "round trip lost \(meanError), \(covarianceError)")
        // The Codable form round-trips exactly.
        let decoded = try JSONDecoder().decode(FeatureStatistics.self, from: JSONEncoder().encode(stats))
        #expect(decoded == stats)
    }

    // MARK: Fréchet distance

    @Test(arguments: ["fid", "fid_rank"])
    func frechetDistanceMatchesPytorchFID(_ name: String) throws {
        Self.noteMissingLAPACK()
        let fixture = try Self.load(), expected = fixture.parameters(name)
        let first = try FeatureStatistics(features: fixture["\(name).a"])
        let second = try FeatureStatistics(features: fixture["\(name).b"])
        #expect(expected["eps_fallback"] as? Bool == false, "the reference needed pytorch-fid's eps fallback")
        var distances: [Double] = []
        for backend in Self.backends {
            let fid = try first.frechetDistance(to: second, backend: backend)
            let label = DoubleLinearAlgebra.describe(backend)
            #expect(Self.relative(fid, Self.number(expected, "fid")) < 1e-4, "\(name) \(label): \(fid)")
            // The same formula in NumPy (eigh) agrees to rounding. In the rank-deficient case
            // NumPy's eigenvalues that are 0 in exact arithmetic come out near ±1e-16 of the
            // largest, and their square roots (≈1e-8) are what the two can differ by.
            let tolerance = name == "fid_rank" ? 1e-7 : 1e-10
            #expect(Self.relative(fid, Self.number(expected, "fid_symmetric")) < tolerance, "\(name) \(label): \(fid)")
            let reversed = try second.frechetDistance(to: first, backend: backend)
            #expect(Self.relative(reversed, fid) < 1e-10, "\(name) \(label): reversed \(reversed) vs \(fid)")
            distances.append(fid)
        }
        if distances.count == 2 {
            #expect(Self.relative(distances[1], distances[0]) < 1e-10, "\(name): LAPACK \(distances[1]), built-in \(distances[0])")
        }
    }

    @Test(arguments: ["fid", "fid_rank"])
    func frechetDistanceOfASetWithItselfIsZero(_ name: String) throws {
        let fixture = try Self.load()
        for role in ["a", "b"] {
            let stats = try FeatureStatistics(features: fixture["\(name).\(role)"])
            for backend in Self.backends {
                let fid = try stats.frechetDistance(to: stats, backend: backend)
                #expect(abs(fid) < 1e-10 * stats.covarianceTrace, "\(name).\(role) \(DoubleLinearAlgebra.describe(backend)): \(fid)")
            }
        }
    }

    // MARK: Eigensolvers

    /// A symmetric matrix with known eigenvalues (a cluster, zeros, negatives): QᵀΛQ for a
    /// random orthogonal Q from Gram–Schmidt.
    static func knownSpectrum(_ n: Int, seed: UInt64) -> (matrix: [Double], values: [Double]) {
        var rng = RandomGenerator(seed: seed)
        var q = (0..<(n * n)).map { _ in rng.nextUniformDouble() - 0.5 }
        for i in 0..<n {
            for j in 0..<i {
                let dot = (0..<n).reduce(0) { $0 + q[i * n + $1] * q[j * n + $1] }
                for k in 0..<n { q[i * n + k] -= dot * q[j * n + k] }
            }
            let norm = (0..<n).reduce(0) { $0 + q[i * n + $1] * q[i * n + $1] }.squareRoot()
            for k in 0..<n { q[i * n + k] /= norm }
        }
        let values = (0..<n).map { i -> Double in
            switch i % 5 {
            case 0: return 0
            case 1: return 2.5                       // repeated
            case 2: return -Double(i) / Double(n)     // negative
            default: return Double(i * i) / Double(n)
            }
        }
        var scaled = q
        for i in 0..<n { for k in 0..<n { scaled[i * n + k] *= values[i] } }
        let matrix = DoubleLinearAlgebra.product(q, scaled, m: n, n: n, k: n, transposeA: true, backend: .builtin)
        return (matrix, values.sorted())
    }

    @Test(arguments: [1, 2, 7, 64, 151])
    func eigensolversRecoverAKnownSpectrum(_ n: Int) {
        Self.noteMissingLAPACK()
        let (matrix, expected) = Self.knownSpectrum(n, seed: UInt64(n))
        let scale = max(expected.map(abs).max()!, 1)
        var results: [[Double]] = []
        for backend in Self.backends {
            let label = DoubleLinearAlgebra.describe(backend)
            let (values, vectors) = DoubleLinearAlgebra.symmetricEigen(matrix, dimension: n, backend: backend)
            let valueError = zip(values, expected).map { abs($0 - $1) }.max()! / scale
            #expect(valueError < 1e-12, "\(label) n \(n): eigenvalues off by \(valueError)")
            // A v = λ v and VVᵀ = I.
            let av = DoubleLinearAlgebra.product(vectors, matrix, m: n, n: n, k: n, backend: .builtin)
            var residual = 0.0
            for i in 0..<n { for k in 0..<n { residual = max(residual, abs(av[i * n + k] - values[i] * vectors[i * n + k])) } }
            #expect(residual / scale < 1e-12, "\(label) n \(n): residual \(residual)")
            let gram = DoubleLinearAlgebra.product(vectors, vectors, m: n, n: n, k: n, transposeB: true, backend: .builtin)
            var orthogonality = 0.0
            for i in 0..<n { for j in 0..<n { orthogonality = max(orthogonality, abs(gram[i * n + j] - (i == j ? 1 : 0))) } }
            #expect(orthogonality < 1e-12, "\(label) n \(n): VVᵀ off identity by \(orthogonality)")
            let valuesOnly = DoubleLinearAlgebra.symmetricEigenvalues(matrix, dimension: n, backend: backend)
            #expect(zip(valuesOnly, values).map { abs($0 - $1) }.max()! / scale < 1e-12, "\(label) n \(n): values-only path")
            results.append(values)
        }
        if results.count == 2 {
            let disagreement = zip(results[0], results[1]).map { abs($0 - $1) }.max()! / scale
            #expect(disagreement < 1e-12, "n \(n): LAPACK and built-in eigenvalues differ by \(disagreement)")
        }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func productsMatchANaiveLoop(_ transposeA: Bool, _ transposeB: Bool) {
        let (m, n, k) = (37, 301, 130)
        var rng = RandomGenerator(seed: 5)
        let a = (0..<(m * k)).map { _ in rng.nextUniformDouble() - 0.5 }
        let b = (0..<(k * n)).map { _ in rng.nextUniformDouble() - 0.5 }
        let c0 = (0..<(m * n)).map { _ in rng.nextUniformDouble() }
        var expected = c0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]) }
                expected[i * n + j] = 0.5 * s - 2 * c0[i * n + j]
            }
        }
        for backend in Self.backends {
            var c = c0
            DoubleLinearAlgebra.multiply(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                         alpha: 0.5, beta: -2, into: &c, backend: backend)
            let error = zip(c, expected).map { abs($0 - $1) }.max()!
            #expect(error < 1e-12, "\(DoubleLinearAlgebra.describe(backend)) \(transposeA) \(transposeB): \(error)")
        }
    }

    // MARK: KID

    @Test func kernelInceptionDistanceMatchesReferenceOnPinnedSubsets() throws {
        let fixture = try Self.load(), expected = fixture.parameters("kid")
        let real = try Self.features(fixture, "fid.a"), fake = try Self.features(fixture, "fid.b")
        let realIndices = fixture["kid.real_idx"], fakeIndices = fixture["kid.fake_idx"]
        let (count, size) = (realIndices.shape[0], realIndices.shape[1])
        let subsets = (0..<count).map { s in
            KernelInceptionDistance.Subset(
                real: realIndices.scalars[(s * size)..<((s + 1) * size)].map { Int($0) },
                fake: fakeIndices.scalars[(s * size)..<((s + 1) * size)].map { Int($0) })
        }
        let kid = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: subsets)
        #expect(Self.relative(kid.mean, Self.number(expected, "mean")) < 1e-4, "KID \(kid.mean)")
        #expect(Self.relative(kid.standardDeviation, Self.number(expected, "std")) < 1e-4, "std \(kid.standardDeviation)")
        for (value, reference) in zip(kid.subsetValues, Self.numbers(expected, "values")) {
            #expect(Self.relative(value, reference) < 1e-5, "subset: \(value) vs \(reference)")
        }
        // One subset holding every sample gives the full-set estimate.
        let full = try KernelInceptionDistance.compute(
            real: real, fake: fake, subsets: [.init(real: Array(0..<real.count), fake: Array(0..<fake.count))])
        #expect(Self.relative(full.mean, Self.number(expected, "full")) < 1e-5, "full set: \(full.mean)")
        #expect(full.standardDeviation == 0)
    }

    /// The unbiased MMD² in Double throughout, written out independently of the library's.
    static func doubleMMD(_ x: [Double], _ y: [Double], _ m: Int, _ n: Int, _ d: Int) -> Double {
        func sum(_ a: [Double], _ b: [Double], _ rows: Int, _ columns: Int, diagonal: Bool) -> Double {
            let g = DoubleLinearAlgebra.product(a, b, m: rows, n: columns, k: d, transposeB: true)
            var s = 0.0
            for i in 0..<rows { for j in 0..<columns where diagonal || i != j { s += pow(g[i * columns + j] / Double(d) + 1, 3) } }
            return s
        }
        let (mm, nn) = (Double(m), Double(n))
        return sum(x, x, m, m, diagonal: false) / (mm * (mm - 1)) + sum(y, y, n, n, diagonal: false) / (nn * (nn - 1))
            - 2 * sum(x, y, m, n, diagonal: true) / (mm * nn)
    }

    @Test func kernelInceptionDistanceFloatProductsStayCloseToDouble() throws {
        // Pool-like features at Inception's width: non-negative, with a common mean, so the
        // kernel values are large against the difference KID measures.
        let (m, n, d) = (120, 100, 2048)
        var rng = RandomGenerator(seed: 9)
        let x = (0..<(m * d)).map { _ in Float(max(0, rng.nextUniformDouble() * 1.2 - 0.2)) }
        let y = (0..<(n * d)).map { _ in Float(max(0, rng.nextUniformDouble() * 1.25 - 0.2)) }
        let real = try FeatureMatrix(x, shape: [m, d]), fake = try FeatureMatrix(y, shape: [n, d])
        let kid = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: [.init(real: Array(0..<m), fake: Array(0..<n))])
        let exact = Self.doubleMMD(x.map(Double.init), y.map(Double.init), m, n, d)
        #expect(Self.relative(kid.mean, exact) < 1e-5, "Float32 products \(kid.mean), Double \(exact)")
    }

    @Test func kernelInceptionDistanceSubsetsAreSeededAndDistinct() throws {
        let fixture = try Self.load()
        let real = try Self.features(fixture, "fid.a"), fake = try Self.features(fixture, "fid.b")
        var first = RandomGenerator(seed: 11), second = RandomGenerator(seed: 11), other = RandomGenerator(seed: 12)
        let subsets = KernelInceptionDistance.randomSubsets(realCount: 300, fakeCount: 250, subsetCount: 5,
                                                            subsetSize: 1000, using: &first)
        for subset in subsets {
            #expect(subset.real.count == 250 && subset.fake.count == 250, "size is min(1000, 300, 250)")
            #expect(Set(subset.real).count == 250 && subset.real.allSatisfy { (0..<300).contains($0) })
            #expect(Set(subset.fake).count == 250)
        }
        let a = try KernelInceptionDistance.compute(real: real, fake: fake, subsetCount: 4, subsetSize: 60, using: &second)
        let b = try KernelInceptionDistance.compute(real: real, fake: fake, subsetCount: 4, subsetSize: 60, using: &other)
        var again = RandomGenerator(seed: 11)
        let c = try KernelInceptionDistance.compute(real: real, fake: fake, subsetCount: 4, subsetSize: 60, using: &again)
        #expect(a == c)
        #expect(a != b)
        #expect(a.subsetValues.count == 4 && a.standardDeviation > 0)
    }

    // MARK: Inception Score

    @Test func inceptionScoreMatchesReference() throws {
        let fixture = try Self.load(), expected = fixture.parameters("is")
        let fromProbabilities = try InceptionScore.compute(probabilities: Self.features(fixture, "is.probs"))
        #expect(Self.relative(fromProbabilities.mean, Self.number(expected, "probs_mean")) < 1e-4)
        #expect(Self.relative(fromProbabilities.standardDeviation, Self.number(expected, "probs_std")) < 1e-4)
        for (score, reference) in zip(fromProbabilities.splitScores, Self.numbers(expected, "probs_scores")) {
            #expect(Self.relative(score, reference) < 1e-10)
        }
        let fromLogits = try InceptionScore.compute(logits: Self.features(fixture, "is.logits"))
        #expect(Self.relative(fromLogits.mean, Self.number(expected, "logits_mean")) < 1e-4)
        #expect(Self.relative(fromLogits.standardDeviation, Self.number(expected, "logits_std")) < 1e-4)
        for (score, reference) in zip(fromLogits.splitScores, Self.numbers(expected, "logits_scores")) {
            #expect(Self.relative(score, reference) < 1e-10)
        }
        #expect(fromLogits.splitScores.count == 10)
    }

    // MARK: Precision and recall

    @Test(arguments: [(3, 1024), (5, 1024), (3, 7)])
    func precisionRecallMatchesReference(_ k: Int, _ batchSize: Int) throws {
        let fixture = try Self.load()
        let expected = try #require(fixture.parameters("pr")["k\(k)"] as? [String: Any])
        let real = try Self.features(fixture, "fid.a"), fake = try Self.features(fixture, "fid.b")
        let result = try PrecisionRecall.compute(real: real, fake: fake, neighbourhoodSize: k, batchSize: batchSize)
        #expect(Self.relative(result.precision, Self.number(expected, "precision")) < 1e-4, "k \(k): precision \(result.precision)")
        #expect(Self.relative(result.recall, Self.number(expected, "recall")) < 1e-4, "k \(k): recall \(result.recall)")
        // Double input takes the same exact decisions.
        let realDouble = try FeatureMatrix(fixture["fid.a"].scalars.map(Double.init), shape: [real.count, real.dimension])
        let fakeDouble = try FeatureMatrix(fixture["fid.b"].scalars.map(Double.init), shape: [fake.count, fake.dimension])
        #expect(try PrecisionRecall.compute(real: realDouble, fake: fakeDouble, neighbourhoodSize: k) == result)
    }

    @Test func precisionRecallOfASetWithItselfIsOne() throws {
        let fixture = try Self.load()
        let real = try Self.features(fixture, "fid.a")
        let result = try PrecisionRecall.compute(real: real, fake: real)
        #expect(result.precision == 1 && result.recall == 1)
    }

    // MARK: Invalid input

    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as MetricsError {
            return error.description
        } catch {
            return "not a MetricsError: \(error)"
        }
    }

    @Test func invalidInputsThrowClearErrors() throws {
        let fixture = try Self.load()
        let real = try Self.features(fixture, "fid.a")
        let narrow = try FeatureMatrix([Float](repeating: 0.5, count: 30), shape: [10, 3], name: "narrow")
        let one = try FeatureMatrix([Float](repeating: 0.5, count: 64), shape: [1, 64], name: "single")
        let cases: [(String, () throws -> Void, [String])] = [
            ("NaN", { _ = try FeatureMatrix([1, Float.nan, 3, 4], shape: [2, 2], name: "fake features") },
             ["fake features", "row 0, column 1", "nan", "finite"]),
            ("infinity in Double", { _ = try FeatureMatrix([1, 2, 3, -Double.infinity], shape: [2, 2]) }, ["row 1, column 1", "finite"]),
            ("not 2-d", { _ = try FeatureMatrix([Float]([1, 2, 3]), shape: [3]) }, ["2-d", "[3]"]),
            ("count", { _ = try FeatureMatrix([Double]([1, 2, 3]), shape: [2, 2]) }, ["needs 4 values", "found 3"]),
            ("one sample", { _ = try FeatureStatistics(one) }, ["single", "at least 2 samples", "found 1"]),
            ("asymmetric", { _ = try FeatureStatistics(mean: [0, 0], covariance: [1, 0.5, 0.2, 1], count: 5) },
             ["not symmetric", "[0, 1] is 0.5"]),
            ("decoded sizes", {
                _ = try JSONDecoder().decode(FeatureStatistics.self, from: Data(#"{"count":5,"mean":[0,0],"covariance":[1]}"#.utf8))
            }, ["[D, D] covariance", "found 2 and 1"]),
            ("FID dimensions", { _ = try FeatureStatistics(real).frechetDistance(to: FeatureStatistics(narrow)) },
             ["dimensions differ", "64", "3"]),
            ("KID dimensions", {
                var rng = RandomGenerator(seed: 1)
                _ = try KernelInceptionDistance.compute(real: real, fake: narrow, using: &rng)
            }, ["narrow", "3 features", "64"]),
            ("KID repeated index", {
                _ = try KernelInceptionDistance.compute(real: real, fake: real, subsets: [.init(real: [1, 2, 1], fake: [0, 1])])
            }, ["subset 0", "index 1", "repeated"]),
            ("KID index range", {
                _ = try KernelInceptionDistance.compute(real: real, fake: real, subsets: [.init(real: [0, 300], fake: [0, 1])])
            }, ["index 300", "outside"]),
            ("KID too small", {
                _ = try KernelInceptionDistance.compute(real: real, fake: real, subsets: [.init(real: [0, 1], fake: [0])])
            }, ["at least 2 rows", "found 1"]),
            ("PR dimensions", { _ = try PrecisionRecall.compute(real: real, fake: narrow) }, ["narrow", "64"]),
            ("PR too few", { _ = try PrecisionRecall.compute(real: real, fake: one) }, ["single", "at least 4 samples", "k = 3"]),
            ("IS splits", { _ = try InceptionScore.compute(probabilities: narrow, splits: 11) }, ["11 splits", "at least 11 samples", "found 10"]),
            ("IS not probabilities", { _ = try InceptionScore.compute(probabilities: narrow, splits: 2) },
             ["row 0 sums to 1.5", "logits"]),
        ]
        for (label, body, fragments) in cases {
            let text = try #require(Self.message(body), "\(label): no error thrown")
            for fragment in fragments {
                #expect(text.lowercased().contains(fragment.lowercased()), "\(label): \"\(text)\" lacks \"\(fragment)\"")
            }
        }
        // A safetensors file that is not a statistics file.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("not-stats-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try FileManager.default.copyItem(at: Fixture.directory.appendingPathComponent("metrics.safetensors"), to: url)
        let text = try #require(Self.message { _ = try FeatureStatistics(contentsOf: url) })
        #expect(text.contains(url.path) && text.contains("not a feature-statistics file"), "\(text)")
    }
}

/// Timings at Inception's size, printed, never asserted: `GAN_METRICS_BENCH=1 swift test
/// --filter StatisticsBenchmarks` (N from `GAN_METRICS_BENCH_N`, default 10000).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GAN_METRICS_BENCH"] != nil))
struct StatisticsBenchmarks {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Pool-like features: non-negative, correlated through a shared low-rank mix plus noise;
    /// `spread` scales the latent part, so two sets overlap without being equal.
    static func features(_ n: Int, _ d: Int, seed: UInt64, spread: Float) throws -> FeatureMatrix {
        var mixing = RandomGenerator(seed: 100), rng = RandomGenerator(seed: seed)
        let mix = Tensor.randomNormal([64, d], using: &mixing) * Tensor(0.2 * spread)
        let x = (Tensor.randomNormal([n, 64], using: &rng).matmul(mix) + Tensor.randomNormal([n, d], using: &rng) * Tensor(0.3)).relu()
        return try FeatureMatrix(x, name: "features \(seed)")
    }

    @Test func inceptionSizedMetrics() throws {
        let n = Int(ProcessInfo.processInfo.environment["GAN_METRICS_BENCH_N"] ?? "") ?? 10000, d = 2048
        let real = try Self.features(n, d, seed: 1, spread: 1), fake = try Self.features(n, d, seed: 2, spread: 0.9)
        print("metrics bench: N \(n), D \(d), threads \(Parallel.threadCount), GEMM \(GEMM.backendDescription)")
        for backend in StatisticsTests.backends {
            let label = DoubleLinearAlgebra.describe(backend)
            var first: FeatureStatistics!, second: FeatureStatistics!
            let statistics = try Self.seconds {
                first = try FeatureStatistics(real, backend: backend)
                second = try FeatureStatistics(fake, backend: backend)
            }
            var fid = 0.0
            let fidTime = try Self.seconds { fid = try first.frechetDistance(to: second, backend: backend) }
            let eigenTime = Self.seconds { _ = DoubleLinearAlgebra.symmetricEigen(first.covariance, dimension: d, backend: backend) }
            let valuesTime = Self.seconds { _ = DoubleLinearAlgebra.symmetricEigenvalues(first.covariance, dimension: d, backend: backend) }
            let productTime = Self.seconds { _ = DoubleLinearAlgebra.product(first.covariance, second.covariance, m: d, n: d, k: d, backend: backend) }
            print("  \(label): statistics of 2 sets \(statistics) s, FID \(fid) in \(fidTime) s (eigen+vectors \(eigenTime) s, eigenvalues \(valuesTime) s, one \(d)³ product \(productTime) s)")
        }
        var kid: KernelInceptionDistance.Result!
        var rng = RandomGenerator(seed: 3)
        let kidTime = try Self.seconds { kid = try KernelInceptionDistance.compute(real: real, fake: fake, using: &rng) }
        print("  KID (100 subsets of \(min(1000, n)), GEMM \(GEMM.backendDescription)): \(kid.mean) ± \(kid.standardDeviation) in \(kidTime) s")
        var again = RandomGenerator(seed: 3)
        let subsets = KernelInceptionDistance.randomSubsets(realCount: n, fakeCount: n, subsetCount: 3, subsetSize: 1000, using: &again)
        for (s, subset) in subsets.enumerated() {
            let exact = StatisticsTests.doubleMMD(real.gatheredRows(subset.real), fake.gatheredRows(subset.fake),
                                                  subset.real.count, subset.fake.count, d)
            print("    subset \(s): Float32 products \(kid.subsetValues[s]), Double \(exact), relative \(StatisticsTests.relative(kid.subsetValues[s], exact))")
        }
        var pr: PrecisionRecall.Result!
        let prTime = try Self.seconds { pr = try PrecisionRecall.compute(real: real, fake: fake) }
        print("  precision/recall (k 3): \(pr.precision), \(pr.recall) in \(prTime) s")
    }
}
