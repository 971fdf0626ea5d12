import ArgumentParser
import Foundation
import GANData
import GANMetrics
import GANModels
import GANTensor

/// `gan classifier`: the Fashion-MNIST classifier that judges conditional GANs.
struct Classifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train or evaluate the Fashion-MNIST classifier used for class accuracy and classifier features.",
        discussion: """
        A small CNN (conv 32 → conv 64 with max pooling and BatchNorm, a 128-unit
        hidden layer) on images in [-1, 1]. The committed weights ship with
        GANMetrics; `train` makes new ones, `eval` measures any.

        Examples:
          gan classifier eval
          gan classifier train --epochs 6 --out clf.safetensors
          gan classifier eval --weights clf.safetensors
        """,
        subcommands: [ClassifierTrain.self, ClassifierEval.self]
    )
}

struct ClassifierTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the classifier on Fashion-MNIST's training split and write its weights.",
        discussion: """
        Adam with a cosine learning-rate decay, random horizontal flips, seeded
        batches: the same seed gives the same weights. Each epoch prints the mean
        loss, the training and test accuracy and images/s; the weights file
        (safetensors, Float16 unless --float32) is rewritten atomically after every
        epoch.

        Examples:
          gan classifier train
          gan classifier train --epochs 6 --batch-size 128 --out clf.safetensors
          gan classifier train --seed 3 --float32 --out clf-f32.safetensors
          gan classifier train --epochs 1 --data fashion-mnist:DIR --out q.safetensors
        """
    )

    @Option(help: "Passes over the 60,000 training images.")
    var epochs: Int = ClassifierTrainingOptions().epochs

    @Option(help: "Images per step.")
    var batchSize: Int = ClassifierTrainingOptions().batchSize

    @Option(help: "Adam's peak learning rate (decays to 0 along a half cosine).")
    var lr: Float = ClassifierTrainingOptions().learningRate

    @Option(help: "Seeds the weights, the batch order and the flips.")
    var seed: UInt64 = 0

    @Option(help: "The Fashion-MNIST data: fashion-mnist (Debian's package) or fashion-mnist:DIR.")
    var data: String = "fashion-mnist"

    @Option(help: "The weights file to write.", transform: FileIO.expandingTilde)
    var out: String = FashionClassifier.bundledWeightsName

    @Flag(help: "Store the weights as Float32 instead of Float16 (twice the size).")
    var float32 = false

    func run() throws {
        let spec = try DataSpec(parsing: data)
        let trainingSet = try loadClassifierData(spec, split: .train)
        let testSet = try loadClassifierData(spec, split: .test)
        let options = ClassifierTrainingOptions(epochs: epochs, batchSize: batchSize, learningRate: lr, seed: seed)
        let url = URL(fileURLWithPath: out)
        let reporter = ProgressReporter()
        let classifier = FashionClassifier(seed: seed)
        reporter.line("classifier: \(classifier.parameterCount) parameters; \(trainingSet.count) training and "
                      + "\(testSet.count) test images; batch \(batchSize), lr \(lr), \(epochs) epochs, seed \(seed)")
        let start = Date()
        try classifier.train(on: trainingSet, testSet: testSet, options: options) { event in
            switch event {
            case let .step(epoch, step, stepsPerEpoch, loss):
                if step % 10 == 0 || step == stepsPerEpoch {
                    reporter.progress(step: (epoch - 1) * stepsPerEpoch + step, total: epochs * stepsPerEpoch,
                                      startStep: 0, status: String(format: "epoch %d loss %.4f", epoch, loss))
                }
            case let .epoch(report):
                let test = report.testAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "-"
                reporter.line(String(format: "epoch %d/%d  loss %.4f  train %.2f%%  test %@  %.0f images/s  %.1f s",
                                     report.epoch, report.epochs, report.loss, 100 * report.trainAccuracy,
                                     test, report.imagesPerSecond, report.seconds))
                do {
                    try classifier.saveWeights(to: url, dtype: float32 ? .float32 : .float16, metadata: [
                        "epochs": "\(report.epoch)", "seed": "\(seed)", "batch_size": "\(batchSize)",
                        "learning_rate": "\(lr)", "test_accuracy": report.testAccuracy.map { String(format: "%.4f", $0) } ?? "",
                    ])
                } catch {
                    reporter.line("warning: \(error)")
                }
            }
        }
        reporter.finish()
        // Measure what was written, as `gan classifier eval` and the tests will read it.
        let written = try FashionClassifier(contentsOf: url)
        let evaluation = try written.evaluate(on: testSet)
        reporter.line("trained in \(ProgressReporter.duration(Date().timeIntervalSince(start))); wrote \(url.path)")
        printEvaluation(evaluation)
    }
}

struct ClassifierEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a classifier's accuracy on Fashion-MNIST's 10,000 test images, overall and per class.",
        discussion: """
        Examples:
          gan classifier eval
          gan classifier eval --weights clf.safetensors
          gan classifier eval --data fashion-mnist:DIR --confusion
        """
    )

    @Option(help: "The weights file (default: the committed weights, built into gan).", transform: FileIO.expandingTilde)
    var weights: String?

    @Option(help: "The Fashion-MNIST data: fashion-mnist (Debian's package) or fashion-mnist:DIR.")
    var data: String = "fashion-mnist"

    @Flag(help: "Also print the confusion matrix (rows: true class, columns: predicted).")
    var confusion = false

    func run() throws {
        let classifier = try weights.map { try FashionClassifier(contentsOf: URL(fileURLWithPath: $0)) }
            ?? FashionClassifier.pretrained()
        let testSet = try loadClassifierData(try DataSpec(parsing: data), split: .test)
        let start = Date()
        let evaluation = try classifier.evaluate(on: testSet)
        let seconds = Date().timeIntervalSince(start)
        print("weights: \(weights ?? FashionClassifier.builtInWeightsDescription)")
        print(String(format: "evaluated %d images in %.1f s (%.0f images/s)", evaluation.count, seconds,
                     Double(evaluation.count) / Swift.max(seconds, 1e-9)))
        printEvaluation(evaluation)
        if confusion {
            print("confusion (rows: true class, columns: predicted):")
            for (row, name) in zip(evaluation.confusion, evaluation.classNames) {
                print(name.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + row.map { String(format: "%5d", $0) }.joined())
            }
        }
    }
}

/// One split of Fashion-MNIST, installing Debian's package when the default is missing.
private func loadClassifierData(_ spec: DataSpec, split: DataSplit) throws -> Dataset {
    guard case .fashionMNIST = spec.source else {
        throw ValidationError("--data must be fashion-mnist or fashion-mnist:DIR, got '\(spec)'")
    }
    if case .fashionMNIST(nil) = spec.source,
       !FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory + "/t10k-images-idx3-ubyte.gz"),
       !FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory + "/t10k-images-idx3-ubyte") {
        try installFashionMNIST()
    }
    return try spec.load(DataLoadOptions(split: split))
}

private func printEvaluation(_ evaluation: ClassifierEvaluation) {
    print(String(format: "test accuracy %.2f%% (%d of %d), mean loss %.4f",
                 100 * evaluation.accuracy, evaluation.correct, evaluation.count, evaluation.loss))
    for (index, (name, accuracy)) in zip(evaluation.classNames, evaluation.classAccuracies).enumerated() {
        let value = accuracy.map { String(format: "%6.2f%%", 100 * $0) } ?? "     -"
        print("  \(index) \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(value)  (\(evaluation.classCounts[index]) images)")
    }
}
