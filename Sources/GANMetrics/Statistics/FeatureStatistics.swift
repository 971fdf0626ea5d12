import GANTensor

/// The mean and covariance of a set of features: all the Fréchet distance needs, and what is
/// worth caching for a reference data set.
///
/// Computed in Double with the unbiased (N − 1) covariance, as `numpy.cov(x, rowvar=False)`
/// and pytorch-fid compute it. Batches can be added as a feature network produces them
/// (`Accumulator`); the all-at-once initialiser centres on the exact mean first.
///
/// ```swift
/// let real = try FeatureStatistics(features: realFeatures)   // [N, 2048] Tensor
/// try real.save(to: url)                                      // cache it
/// let fid = try FeatureStatistics(contentsOf: url).frechetDistance(to: fake)
/// ```
public struct FeatureStatistics: Codable, Equatable, Sendable {
    /// N, the number of samples the statistics came from.
    public let count: Int
    /// D, the feature dimension.
    public let dimension: Int
    /// `[D]`: the mean feature.
    public let mean: [Double]
    /// `[D, D]`, row-major: the unbiased covariance.
    public let covariance: [Double]

    /// Statistics from their parts, checked: `mean` of `[D]`, `covariance` of `[D, D]`, finite
    /// and symmetric (to 10⁻⁶ of its largest entry), and `count` ≥ 2.
    public init(mean: [Double], covariance: [Double], count: Int, name: String = "statistics") throws {
        let d = mean.count
        guard d >= 1, covariance.count == d * d else {
            throw MetricsError(name, "expected a mean of D ≥ 1 values and a [D, D] covariance, found \(mean.count) and \(covariance.count) values")
        }
        guard count >= 2 else {
            throw MetricsError(name, "a covariance needs at least 2 samples, found \(count)")
        }
        guard mean.allSatisfy({ $0.isFinite }), covariance.allSatisfy({ $0.isFinite }) else {
            throw MetricsError(name, "mean or covariance has a NaN or infinite value")
        }
        let scale = covariance.reduce(0) { max($0, abs($1)) }
        for i in 0..<d {
            for j in (i + 1)..<max(i + 1, d) where abs(covariance[i * d + j] - covariance[j * d + i]) > 1e-6 * scale {
                throw MetricsError(name, "covariance is not symmetric: [\(i), \(j)] is \(covariance[i * d + j]) but [\(j), \(i)] is \(covariance[j * d + i])")
            }
        }
        self.count = count
        self.dimension = d
        self.mean = mean
        self.covariance = covariance
    }

    /// The statistics of `features` (two passes: the mean, then the centred covariance).
    ///
    /// - Throws: `MetricsError` when there are fewer than 2 samples.
    public init(_ features: FeatureMatrix, backend: DoubleLinearAlgebra.Backend? = nil) throws {
        try features.requireSamples(2, for: "a covariance")
        var accumulator = Accumulator(shift: features.columnMeans(), name: features.name, backend: backend)
        try accumulator.add(features)
        self = try accumulator.statistics()
    }

    /// The statistics of an `[N, D]` tensor of features.
    public init(features: Tensor, name: String = "features") throws {
        try self.init(FeatureMatrix(features, name: name))
    }

    /// The statistics of row-major `[N, D]` Float32 features.
    public init(features: [Float], shape: [Int], name: String = "features") throws {
        try self.init(FeatureMatrix(features, shape: shape, name: name))
    }

    /// The statistics of row-major `[N, D]` Double features.
    public init(features: [Double], shape: [Int], name: String = "features") throws {
        try self.init(FeatureMatrix(features, shape: shape, name: name))
    }

    private enum CodingKeys: String, CodingKey { case count, mean, covariance }

    /// Decodes and checks statistics as `init(mean:covariance:count:)` does.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(mean: container.decode([Double].self, forKey: .mean),
                      covariance: container.decode([Double].self, forKey: .covariance),
                      count: container.decode(Int.self, forKey: .count))
    }

    /// Encodes the count, mean and covariance (what decoding checks).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(mean, forKey: .mean)
        try container.encode(covariance, forKey: .covariance)
    }

    /// The trace of the covariance.
    public var covarianceTrace: Double {
        (0..<dimension).reduce(0) { $0 + covariance[$1 * dimension + $1] }
    }

    /// Gathers statistics batch by batch, so features never need to be held all at once.
    ///
    /// Sums are taken about a shift (the first batch's mean), which keeps the covariance
    /// free of the cancellation a raw `E[xxᵀ] − μμᵀ` suffers when the mean is large.
    public struct Accumulator {
        /// The number of samples added so far.
        public private(set) var count = 0
        private var shift: [Double]?
        private var sums: [Double] = []       // [D]: Σ (x − shift)
        private var products: [Double] = []   // [D, D]: Σ (x − shift)(x − shift)ᵀ
        private let name: String
        private let backend: DoubleLinearAlgebra.Backend?
        /// Rows per product: large enough for an efficient GEMM, small enough to stay in cache.
        private static let rowsPerBlock = 512

        /// An empty accumulator; `name` is used in errors.
        public init(name: String = "features", backend: DoubleLinearAlgebra.Backend? = nil) {
            self.name = name
            self.backend = backend
        }

        init(shift: [Double], name: String, backend: DoubleLinearAlgebra.Backend?) {
            self.init(name: name, backend: backend)
            start(shift)
        }

        private mutating func start(_ shift: [Double]) {
            self.shift = shift
            sums = [Double](repeating: 0, count: shift.count)
            products = [Double](repeating: 0, count: shift.count * shift.count)
        }

        /// Adds a batch of features.
        ///
        /// - Throws: `MetricsError` when its feature dimension differs from earlier batches.
        public mutating func add(_ batch: FeatureMatrix) throws {
            if batch.count == 0 { return }
            if shift == nil { start(batch.columnMeans()) }
            let d = sums.count
            guard batch.dimension == d else {
                throw MetricsError(batch.name, "has \(batch.dimension) features per sample, but earlier batches of \(name) had \(d)")
            }
            var start = 0
            while start < batch.count {
                let rows = start..<min(batch.count, start + Accumulator.rowsPerBlock)
                let block = batch.centeredRows(rows, shift: shift!)
                for r in 0..<rows.count {
                    for j in 0..<d { sums[j] += block[r * d + j] }
                }
                DoubleLinearAlgebra.multiply(block, block, m: d, n: d, k: rows.count, transposeA: true,
                                             beta: 1, into: &products, backend: backend)
                start = rows.upperBound
            }
            count += batch.count
        }

        /// Adds a batch given as an `[N, D]` tensor.
        public mutating func add(_ batch: Tensor) throws {
            try add(FeatureMatrix(batch, name: name))
        }

        /// The statistics of everything added.
        ///
        /// - Throws: `MetricsError` when fewer than 2 samples were added.
        public func statistics() throws -> FeatureStatistics {
            guard count >= 2, let shift else {
                throw MetricsError(name, "a covariance needs at least 2 samples, found \(count)")
            }
            let d = sums.count, n = Double(count)
            let mean = (0..<d).map { shift[$0] + sums[$0] / n }
            var covariance = [Double](repeating: 0, count: d * d)
            for i in 0..<d {
                for j in i..<d {
                    // Symmetrise: the two triangles may differ in the last bit.
                    let q = 0.5 * (products[i * d + j] + products[j * d + i])
                    let c = (q - sums[i] * sums[j] / n) / (n - 1)
                    covariance[i * d + j] = c
                    covariance[j * d + i] = c
                }
            }
            return try FeatureStatistics(mean: mean, covariance: covariance, count: count, name: name)
        }
    }
}
