import Foundation
import GANLayers
import GANTensor

// Reading and writing the classifier's weights: safetensors files with PyTorch state_dict
// names, the committed file shipped as a resource of this module.

extension FashionClassifier {
    /// The committed weights file inside this module's resource bundle, or `nil` when the
    /// bundle lacks it.
    public static var bundledWeightsURL: URL? {
        let name = bundledWeightsName as NSString
        return Bundle.module.url(forResource: name.deletingPathExtension, withExtension: name.pathExtension)
    }

    /// The classifier with the committed weights (about 93% on the Fashion-MNIST test set),
    /// in evaluation mode.
    ///
    /// - Throws: `MetricsError` when the resource is missing or unreadable.
    public static func pretrained() throws -> FashionClassifier {
        guard let url = bundledWeightsURL else {
            throw MetricsError(bundledWeightsName, """
                the committed classifier weights are missing from the GANMetrics resource bundle; \
                train them with `gan classifier train` and pass the file explicitly
                """)
        }
        return try FashionClassifier(contentsOf: url)
    }

    /// A classifier with the weights in the safetensors file at `url`, in evaluation mode.
    ///
    /// - Throws: `MetricsError` naming the file when it cannot be read or holds other weights.
    public convenience init(contentsOf url: URL) throws {
        self.init(seed: 0)
        try loadWeights(contentsOf: url)
        eval()
    }

    /// Replaces the weights with those in the safetensors file at `url` (written by
    /// `saveWeights(to:)` or by PyTorch from the same architecture). Nothing changes unless
    /// every tensor fits.
    ///
    /// - Throws: `MetricsError` naming the file: unreadable, not safetensors, or tensors that
    ///   do not fit this network (each missing, unexpected or misshaped name listed).
    public func loadWeights(contentsOf url: URL) throws {
        do {
            let file = try SafeTensors.read(contentsOf: url)
            try load(stateDict: file.tensors, strict: true, source: url.path)
        } catch let error as CheckpointError {
            var reason = error.description
            let prefix = error.file + ": "
            if reason.hasPrefix(prefix) { reason.removeFirst(prefix.count) }
            if case .stateMismatch = error {
                reason = "not weights of the Fashion-MNIST classifier (\(FashionClassifier.modelTag)): " + reason
            }
            throw MetricsError(url.path, reason)
        }
    }

    /// Writes the weights to a safetensors file at `url`, atomically (a temporary file renamed
    /// over it). Float tensors are stored as `dtype`: Float16 (the default) halves the file
    /// and changes no prediction that matters; `.float32` keeps every bit.
    ///
    /// - Parameters:
    ///   - url: The file to write; its folder must exist.
    ///   - dtype: `.float16`, `.bfloat16` or `.float32` for the float tensors.
    ///   - metadata: Extra strings for the header (the `model` entry is always written).
    /// - Throws: `MetricsError` naming the file when it cannot be written.
    public func saveWeights(to url: URL, dtype: DType = .float16, metadata: [String: String] = [:]) throws {
        precondition(dtype != .int64, "FashionClassifier.saveWeights: float tensors cannot be stored as I64")
        var state = StateDict()
        for entry in stateDict() {
            state.insert(entry.name, entry.tensor, dtype: entry.dtype == .float32 ? dtype : entry.dtype)
        }
        var header = metadata
        header["model"] = FashionClassifier.modelTag
        do {
            try SafeTensors.write(state, metadata: header, to: url)
        } catch let error as CheckpointError {
            var reason = error.description
            let prefix = error.file + ": "
            if reason.hasPrefix(prefix) { reason.removeFirst(prefix.count) }
            throw MetricsError(url.path, reason)
        }
    }
}
