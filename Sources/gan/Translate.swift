import ArgumentParser
import Foundation
import GANData
import GANMetrics
import GANModels
import GANTensor

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate images with a trained two-domain run (cyclegan).",
        discussion: """
        Reads the images of --input (a data spec, optionally with :test, a folder, one
        PNG/JPEG or a .npy), resized to the run's image size, and writes their
        translations: a grid PNG (inputs, translations and, with --reconstruct, the
        way back, one row each) or a folder of PNGs. Prints the mean L1 distance
        between inputs and translations and between inputs and their reconstructions
        (the cycle error); with --paired-with, of translations and of inputs to their
        true counterparts; with --target-class, the share of translations the bundled
        Fashion-MNIST classifier puts in that class.

        Examples:
          gan translate --run runs/cyclegan-grey28 --direction a2b \\
              --input fashion-mnist:test@sneaker --out boots.png
          gan translate --run runs/cyclegan-grey28 --direction b2a \\
              --input photos/ --out translated/
          gan translate --run RUN --direction a2b \\
              --input fashion-mnist:test@sneaker --count 1000 \\
              --target-class ankle-boot --out grid.png --save-array x.npy
          gan translate --run RUN --direction a2b --input held-out/medium-light \\
              --paired-with held-out/dark --out emoji.png
        """
    )

    @Option(name: .customLong("run"), help: "The run folder (made by `gan train cyclegan`).", transform: FileIO.expandingTilde)
    var runPath: String

    @Option(help: "a2b (domain A to B) or b2a.")
    var direction: String

    @Option(help: "The images: a data spec (fashion-mnist:test@sneaker, folder:DIR), a folder, an image file or a .npy.", transform: FileIO.expandingTilde)
    var input: String

    @Option(help: "A grid picture (.png, .jpg or .jpeg), or a folder (no extension) for one PNG per image.", transform: FileIO.expandingTilde)
    var out: String

    @Option(help: "Translate at most this many images.")
    var count: Int = 64

    @Flag(help: "Add the reconstructions (translated back) to the grid.")
    var reconstruct = false

    @Option(help: "A Fashion-MNIST class (name or number): report the share of translations the classifier puts in it.")
    var targetClass: String?

    @Option(help: "The true counterparts of the inputs, in the same order (a data spec or folder, like --input): report the mean L1 of translation and of input to them.", transform: FileIO.expandingTilde)
    var pairedWith: String?

    @Option(help: "Also write the translations [N, C, H, W] as a .npy file.", transform: FileIO.expandingTilde)
    var saveArray: String?

    @Option(help: "A checkpoint file to use instead of the newest.", transform: FileIO.expandingTilde)
    var checkpoint: String?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        if !URL(fileURLWithPath: out).pathExtension.isEmpty { try checkImagePath(out, option: "--out") }
        guard TranslationDirection(rawValue: direction) != nil else {
            throw ValidationError("--direction must be a2b or b2a, got '\(direction)'")
        }
    }

    func run() throws {
        let trained = try TrainedRun(path: runPath, checkpoint: checkpoint)
        let model = try trained.translationModel(for: "translate")
        let way = TranslationDirection(rawValue: direction)!
        let shape = way == .aToB ? model.domainShapes.a : model.domainShapes.b
        let images = try loadImages(input, shape: shape)
        let translated = model.translate(images, direction: way)
        let reconstructed = model.translate(translated, direction: way.reversed)
        let n = images.shape[0]
        func meanL1(_ a: Tensor, _ b: Tensor) -> Float { withoutGradients { (a - b).abs().mean().item } }
        print("translated \(n) images \(way.rawValue) with \(trained.checkpoint.path) (step \(trained.step))")
        print(String(format: "mean L1 |translation − input| %.4f, |reconstruction − input| (cycle) %.4f (values in [−1, 1])",
                     meanL1(translated, images), meanL1(reconstructed, images)))
        if let pairedWith {
            let targetShape = way == .aToB ? model.domainShapes.b : model.domainShapes.a
            let truth = try loadImages(pairedWith, shape: targetShape)
            guard truth.shape[0] == n else {
                throw ValidationError("--paired-with \(pairedWith): \(truth.shape[0]) images for \(n) inputs; the counterparts must match the inputs one to one")
            }
            print(String(format: "paired: mean L1 |translation − counterpart| %.4f, |input − counterpart| %.4f (%d pairs)",
                         meanL1(translated, truth), meanL1(images, truth), n))
        }
        if let targetClass {
            guard shape == FashionClassifier.imageShape else {
                throw ValidationError("--target-class uses the Fashion-MNIST classifier, which takes \(FashionClassifier.imageShape) images; this run has \(shape)")
            }
            let k = try Self.classIndex(targetClass)
            let classifier = try FashionClassifier.pretrained()
            classifier.eval()
            let predicted = withoutGradients { classifier(translated).argmax(axis: 1) }
            let before = withoutGradients { classifier(images).argmax(axis: 1) }
            let share = Double(predicted.filter { $0 == k }.count) / Double(n)
            let shareBefore = Double(before.filter { $0 == k }.count) / Double(n)
            print(String(format: "classifier: %.1f%% of translations are '%@' (%.1f%% of the inputs)",
                         100 * share, FashionClassifier.classNames[k], 100 * shareBefore))
        }
        if ImageFileFormat.canWrite(out) {
            let shown = min(n, 64), perRow = min(shown, 8)
            var rows: [Tensor] = []
            for start in stride(from: 0, to: shown, by: perRow) {
                let end = min(start + perRow, shown)
                rows.append(images.slice(axis: 0, start: start, end: end))
                rows.append(translated.slice(axis: 0, start: start, end: end))
                if reconstruct { rows.append(reconstructed.slice(axis: 0, start: start, end: end)) }
            }
            try ImageGrid.write(Tensor.concatenate(rows, axis: 0), to: out, imagesPerRow: perRow)
            print("wrote \(out): rows of inputs, translations" + (reconstruct ? ", reconstructions" : ""))
        } else {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("\(out): cannot create the output folder: \(error.localizedDescription)")
            }
            for i in 0..<n {
                let path = URL(fileURLWithPath: out).appendingPathComponent(String(format: "%06d.png", i)).path
                try ImageGrid.writePNG(translated.slice(axis: 0, start: i, end: i + 1), to: path, imagesPerRow: 1, padding: 0)
            }
            print("wrote \(n) PNGs to \(out)")
        }
        if let saveArray { try NumPy.write(translated, to: saveArray) }
    }

    /// The images of `input` (a spec, folder, image file or .npy) as `[N] + shape`, at most `count`.
    func loadImages(_ input: String, shape: [Int]) throws -> Tensor {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: input, isDirectory: &isFolder)
        let lower = input.lowercased()
        let dataset: Dataset
        if exists && !isFolder.boolValue && (lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")) {
            let bitmap = lower.hasSuffix(".png") ? try Bitmap.readPNG(input) : try Bitmap.readJPEG(input)
            let image = bitmap.converted(toChannels: shape[0]).resizedAndCentreCropped(to: shape[1]).tensor()
            return image.reshaped([1] + shape)
        } else if exists && isFolder.boolValue {
            dataset = try EvaluationSetup.load(DataSpec(source: .folder(directory: input)), split: .train, shape: shape)
        } else {
            let (spec, split) = try EvaluationSetup.parse(samplesSpec: input)
            dataset = try EvaluationSetup.load(spec, split: split ?? .train, shape: shape)
        }
        guard dataset.isImage, dataset.sampleShape == shape else {
            throw ValidationError("\(input): expected images \(shape), got samples of shape \(dataset.sampleShape)")
        }
        guard dataset.count > 0 else { throw ValidationError("\(input): no images") }
        return dataset.samples(at: Array(0..<min(count, dataset.count)))
    }

    /// A class of Fashion-MNIST by number or name (`ankle-boot`, `Ankle boot`).
    static func classIndex(_ text: String) throws -> Int {
        if let k = Int(text), (0..<FashionClassifier.classCount).contains(k) { return k }
        func key(_ s: String) -> String { s.lowercased().filter { $0.isLetter } }
        guard let k = FashionClassifier.classNames.firstIndex(where: { key($0) == key(text) }) else {
            throw ValidationError("unknown class '\(text)': expected 0–9 or one of \(FashionClassifier.classNames.joined(separator: ", "))")
        }
        return k
    }
}
