import Foundation
import GANLayers
import GANTensor

extension FeatureStatistics {
    /// The `format` metadata value that marks a statistics file.
    static let fileFormat = "gan-feature-statistics"

    /// Saves the statistics as safetensors, so a reference set's statistics are computed once.
    ///
    /// safetensors holds Float32 here, so each Double is stored as two Float32 tensors, a
    /// rounded value and its residual (`mu` + `mu_residual`, `sigma` + `sigma_residual`); their
    /// sum keeps about 48 bits. `mu` and `sigma` alone are pytorch-fid's `.npz` arrays to
    /// Float32 precision. The sample count is in the metadata.
    ///
    /// - Throws: `MetricsError` when a value is too large for Float32; the writer's errors.
    public func save(to url: URL) throws {
        func split(_ values: [Double], _ shape: [Int], _ name: String) throws -> (Tensor, Tensor) {
            var high = [Float](repeating: 0, count: values.count), low = high
            for (i, x) in values.enumerated() {
                let h = Float(x)
                guard h.isFinite else {
                    throw MetricsError(url.path, "\(name) value \(x) does not fit in Float32 storage")
                }
                high[i] = h
                low[i] = Float(x - Double(h))
            }
            return (Tensor(high, shape: shape), Tensor(low, shape: shape))
        }
        let (mu, muResidual) = try split(mean, [dimension], "mean")
        let (sigma, sigmaResidual) = try split(covariance, [dimension, dimension], "covariance")
        var tensors = StateDict()
        tensors.insert("mu", mu)
        tensors.insert("mu_residual", muResidual)
        tensors.insert("sigma", sigma)
        tensors.insert("sigma_residual", sigmaResidual)
        try SafeTensors.write(tensors, metadata: ["format": FeatureStatistics.fileFormat, "count": String(count)], to: url)
    }

    /// Loads statistics written by `save(to:)`.
    ///
    /// - Throws: the reader's errors for an unreadable or malformed file; `MetricsError`
    ///   naming the file when it is not a statistics file or its arrays do not fit together.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensors.read(contentsOf: url)
        let path = url.path
        guard file.metadata["format"] == FeatureStatistics.fileFormat else {
            throw MetricsError(path, "not a feature-statistics file (expected metadata format \"\(FeatureStatistics.fileFormat)\")")
        }
        guard let countText = file.metadata["count"], let count = Int(countText) else {
            throw MetricsError(path, "metadata has no integer sample count")
        }
        func combined(_ name: String, _ shape: [Int]) throws -> [Double] {
            guard let high = file.tensors[name], let low = file.tensors["\(name)_residual"] else {
                throw MetricsError(path, "expected tensors \(name) and \(name)_residual")
            }
            guard high.shape == shape, low.shape == shape else {
                throw MetricsError(path, "expected \(name) of shape \(shape), found \(high.shape) and residual \(low.shape)")
            }
            return zip(high.scalars, low.scalars).map { Double($0) + Double($1) }
        }
        guard let d = file.tensors["mu"]?.shape.first, file.tensors["mu"]?.rank == 1 else {
            throw MetricsError(path, "expected a 1-d tensor mu")
        }
        try self.init(mean: combined("mu", [d]), covariance: combined("sigma", [d, d]), count: count, name: path)
    }
}
