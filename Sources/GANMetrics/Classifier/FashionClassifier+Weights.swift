import Foundation
import GANClassifierWeights
import GANLayers
import GANTensor

// Reading and writing the classifier's weights: safetensors files with PyTorch state_dict
// names. The committed file is compiled into the binary (the C target GANClassifierWeights),
// not shipped as a resource bundle: Bundle.module stops the process when the bundle is not
// beside the executable, as with a `gan` copied out of .build.

extension FashionClassifier {
    /// The committed weights file's bytes, compiled into the binary, or `nil` when the
    /// compiler that built it had no C23 `#embed`.
    public static var builtInWeights: Data? {
        var size = 0
        let bytes = gan_classifier_weights(&size)
        guard let bytes, size > 0 else { return nil }
        return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes), count: size, deallocator: .none)
    }

    /// Names the built-in weights in output and errors.
    public static let builtInWeightsDescription = "built-in \(bundledWeightsName)"

    /// The classifier with the committed weights (about 93% on the Fashion-MNIST test set),
    /// in evaluation mode.
    ///
    /// - Throws: `MetricsError` when the binary was built without the weights.
    public static func pretrained() throws -> FashionClassifier {
        guard let data = builtInWeights else {
            throw MetricsError(bundledWeightsName, """
                this gan was built without the classifier weights (its C compiler has no C23 #embed; \
                clang 19 or later has); pass a weights file explicitly (`gan classifier train` makes one)
                """)
        }
        let classifier = FashionClassifier(seed: 0)
        try classifier.loadWeights(data, source: builtInWeightsDescription)
        classifier.eval()
        return classifier
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
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw MetricsError(url.path, "cannot read: \((error as NSError).localizedDescription)")
        }
        try loadWeights(data, source: url.path)
    }

    /// Replaces the weights with those in safetensors bytes; `source` names them in errors.
    func loadWeights(_ data: Data, source: String) throws {
        do {
            let file = try SafeTensors.decode(data, source: source)
            try load(stateDict: file.tensors, strict: true, source: source)
        } catch let error as CheckpointError {
            var reason = error.description
            let prefix = error.file + ": "
            if reason.hasPrefix(prefix) { reason.removeFirst(prefix.count) }
            if case .stateMismatch = error {
                reason = "not weights of the Fashion-MNIST classifier (\(FashionClassifier.modelTag)): " + reason
            }
            throw MetricsError(source, reason)
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
