import Foundation
import GANData
import GANLayers
import GANTensor
import Testing
@testable import GANMetrics

/// Whether Debian's `dataset-fashion-mnist` is installed (CI installs it).
private let fashionMNISTInstalled = FileManager.default.fileExists(
    atPath: DataSpec.debianFashionMNISTDirectory + "/t10k-images-idx3-ubyte.gz")

/// A small labelled set: the first `count` Fashion-MNIST training images when installed,
/// otherwise ten synthetic classes (a bright bar at a class-specific row, plus noise).
private func smallTrainingSet(count: Int = 512) throws -> Dataset {
    if fashionMNISTInstalled {
        let train = try DataSpec(parsing: "fashion-mnist").load(DataLoadOptions(split: .train))
        return train.subset(Array(0..<count), name: "fashion-mnist (first \(count))")
    }
    var generator = RandomGenerator(seed: 99)
    var bytes: [UInt8] = [], labels: [Int] = []
    for i in 0..<count {
        let label = i % 10
        for y in 0..<28 {
            for _ in 0..<28 {
                let bar = y / 3 == label ? 200 : 0
                bytes.append(UInt8(min(255, bar + Int(generator.next() % 50))))
            }
        }
        labels.append(label)
    }
    return Dataset(name: "synthetic bars", values: .bytes(bytes), sampleShape: [1, 28, 28], labels: labels,
                   classNames: FashionClassifier.classNames)
}

private func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("gan-classifier-\(UUID().uuidString)-\(name)")
}

@Suite struct ClassifierTests {
    // MARK: The committed weights

    @Test(.enabled(if: fashionMNISTInstalled, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): skipped"))
    func bundledWeightsClassifyTheTestSet() throws {
        let weights = try #require(FashionClassifier.builtInWeights, "the binary was built without the classifier weights")
        #expect(weights.count < 1_500_000)
        let classifier = try FashionClassifier.pretrained()
        #expect(!classifier.isTraining)
        let test = try DataSpec(parsing: "fashion-mnist").load(DataLoadOptions(split: .test))
        let evaluation = try classifier.evaluate(on: test)
        print(String(format: "bundled classifier: %.2f%% on %d test images", 100 * evaluation.accuracy, evaluation.count))
        #expect(evaluation.count == 10_000)
        #expect(evaluation.accuracy >= 0.92)
        #expect(evaluation.classCounts == Array(repeating: 1000, count: 10))
        // Even the hardest class (shirt) is far above chance.
        #expect(evaluation.classAccuracies.allSatisfy { ($0 ?? 0) > 0.6 })
    }

    /// The bytes compiled into the binary are the committed file's (a stale build would differ).
    @Test func builtInWeightsAreTheCommittedFile() throws {
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/GANMetrics/Classifier/Weights")
            .appendingPathComponent(FashionClassifier.bundledWeightsName)
        let builtIn = try #require(FashionClassifier.builtInWeights, "the binary was built without the classifier weights")
        #expect(builtIn == (try Data(contentsOf: committed)))
    }

    @Test func bundledWeightsLoadWithoutTheDataSet() throws {
        let classifier = try FashionClassifier.pretrained()
        var generator = RandomGenerator(seed: 4)
        let images = Tensor.randomUniform([6, 1, 28, 28], lower: -1, upper: 1, using: &generator)
        let first = try classifier.predictedLabels(for: images)
        let second = try classifier.predictedLabels(for: images)
        #expect(first == second)
        #expect(first.allSatisfy { (0..<10).contains($0) })
    }

    // MARK: Inference

    @Test func probabilitiesLabelsAndFeaturesAgree() throws {
        let classifier = FashionClassifier(seed: 1)
        var generator = RandomGenerator(seed: 2)
        let images = Tensor.randomUniform([7, 1, 28, 28], lower: -1, upper: 1, using: &generator)
        // Chunked inference gives what one batch gives.
        let probabilities = try classifier.probabilities(for: images, batchSize: 3)
        let whole = try classifier.probabilities(for: images)
        #expect(probabilities.shape == [7, 10])
        for (a, b) in zip(probabilities.scalars, whole.scalars) { #expect(abs(a - b) < 1e-5) }
        for row in 0..<7 {
            let sum = probabilities.scalars[(row * 10)..<(row * 10 + 10)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
        #expect(try classifier.predictedLabels(for: images, batchSize: 2) == probabilities.argmax(axis: 1))
        let features = try classifier.features(of: images, batchSize: 4)
        #expect(features.shape == [7, FashionClassifier.featureCount])
        #expect(features.scalars.allSatisfy { $0 >= 0 })  // after the ReLU
        #expect(classifier.isTraining)  // inference restores the mode it found
        #expect(try classifier.predictedLabels(for: Tensor.zeros([0, 1, 28, 28])).isEmpty)
    }

    @Test func wrongImageShapeIsAnError() {
        let classifier = FashionClassifier(seed: 0)
        #expect(throws: MetricsError.self) { try classifier.predictedLabels(for: Tensor.zeros([2, 3, 32, 32])) }
        do {
            _ = try classifier.features(of: Tensor.zeros([2, 28, 28]))
            Issue.record("expected an error")
        } catch let error as MetricsError {
            #expect(error.description.contains("[N, 1, 28, 28]"))
            #expect(error.description.contains("[2, 28, 28]"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        let points = Dataset(name: "toy", values: .floats([0, 1, 2, 3]), sampleShape: [2], labels: [0, 1])
        #expect(throws: MetricsError.self) { try classifier.evaluate(on: points) }
    }

    // MARK: Training

    @Test func shortTrainingLowersTheLossAndIsDeterministic() throws {
        let data = try smallTrainingSet()
        let options = ClassifierTrainingOptions(epochs: 3, batchSize: 64, learningRate: 3e-3, seed: 5)
        let classifier = FashionClassifier(seed: 5)
        var steps = 0
        let reports = try classifier.train(on: data, options: options) { event in
            if case .step = event { steps += 1 }
        }
        #expect(steps == 3 * (data.count / 64))
        #expect(reports.map(\.epoch) == [1, 2, 3])
        #expect(reports[2].loss < 0.75 * reports[0].loss, "losses \(reports.map(\.loss))")
        #expect(reports[0].loss < 2.6)  // starts near ln 10 ≈ 2.30
        #expect(!classifier.isTraining)
        let evaluation = try classifier.evaluate(on: data)
        #expect(evaluation.accuracy > 0.6, "accuracy \(evaluation.accuracy) on the images it trained on")

        // The same seed gives the same run, bit for bit.
        let again = FashionClassifier(seed: 5)
        let repeated = try again.train(on: data, options: options)
        #expect(repeated.map(\.loss) == reports.map(\.loss))
        for (a, b) in zip(classifier.stateDict(), again.stateDict()) {
            #expect(a.name == b.name)
            #expect(a.tensor.scalars == b.tensor.scalars, "\(a.name) differs between two runs with one seed")
        }
        // Another seed, another run.
        let other = try FashionClassifier(seed: 6).train(on: data, options: ClassifierTrainingOptions(
            epochs: 1, batchSize: 64, learningRate: 3e-3, seed: 6))
        #expect(other[0].loss != reports[0].loss)
    }

    @Test func trainingRejectsBadOptions() {
        let classifier = FashionClassifier(seed: 0)
        let tiny = Dataset(name: "tiny", values: .bytes([UInt8](repeating: 0, count: 4 * 784)),
                           sampleShape: [1, 28, 28], labels: [0, 1, 2, 3])
        #expect(throws: MetricsError.self) { try classifier.train(on: tiny, options: .init(epochs: 0, batchSize: 2)) }
        #expect(throws: MetricsError.self) { try classifier.train(on: tiny, options: .init(epochs: 1, batchSize: 8)) }
        let unlabelled = Dataset(name: "unlabelled", values: .bytes([UInt8](repeating: 0, count: 784)), sampleShape: [1, 28, 28])
        #expect(throws: MetricsError.self) { try classifier.train(on: unlabelled) }
    }

    @Test func cosineScheduleDecaysToZero() {
        let options = ClassifierTrainingOptions(learningRate: 1e-3)
        #expect(options.learningRate(atStep: 0, of: 100) == 1e-3)
        #expect(abs(options.learningRate(atStep: 50, of: 100) - 5e-4) < 1e-9)
        #expect(options.learningRate(atStep: 99, of: 100) < 1e-6)
        #expect(ClassifierTrainingOptions(cosineDecay: false).learningRate(atStep: 99, of: 100) == 2e-3)
    }

    // MARK: Weights files

    @Test func savedWeightsLoadBack() throws {
        let classifier = FashionClassifier(seed: 3)
        var generator = RandomGenerator(seed: 8)
        // Give the running statistics values of their own.
        _ = classifier(Tensor.randomNormal([8, 1, 28, 28], using: &generator))
        classifier.eval()
        let images = Tensor.randomUniform([4, 1, 28, 28], lower: -1, upper: 1, using: &generator)
        let expected = try classifier.probabilities(for: images)

        let exact = temporaryURL("f32.safetensors")
        defer { try? FileManager.default.removeItem(at: exact) }
        try classifier.saveWeights(to: exact, dtype: .float32, metadata: ["note": "test"])
        let file = try SafeTensors.read(contentsOf: exact)
        #expect(file.metadata["model"] == FashionClassifier.modelTag)
        #expect(file.metadata["note"] == "test")
        #expect(file.tensors.keys.contains("features.0.weight"))
        #expect(file.tensors.keys.contains("embedding.1.running_var"))
        #expect(file.tensors.entry("features.2.num_batches_tracked")?.dtype == .int64)
        let reloaded = try FashionClassifier(contentsOf: exact)
        #expect(try reloaded.probabilities(for: images).scalars == expected.scalars)

        let half = temporaryURL("f16.safetensors")
        defer { try? FileManager.default.removeItem(at: half) }
        try classifier.saveWeights(to: half)
        #expect(try SafeTensors.read(contentsOf: half).tensors.entry("classifier.weight")?.dtype == .float16)
        let rounded = try FashionClassifier(contentsOf: half).probabilities(for: images)
        for (a, b) in zip(rounded.scalars, expected.scalars) { #expect(abs(a - b) < 2e-2) }
    }

    @Test func mismatchedWeightsGiveAClearError() throws {
        // Another network's weights.
        let other = temporaryURL("linear.safetensors")
        defer { try? FileManager.default.removeItem(at: other) }
        var generator = RandomGenerator(seed: 0)
        try Linear(inputFeatures: 4, outputFeatures: 2, using: &generator).save(to: other)
        let before = FashionClassifier(seed: 9).stateDict().map(\.tensor.scalars)
        let target = FashionClassifier(seed: 9)
        do {
            try target.loadWeights(contentsOf: other)
            Issue.record("expected an error")
        } catch let error as MetricsError {
            #expect(error.subject == other.path)
            #expect(error.reason.contains("not weights of the Fashion-MNIST classifier"))
            #expect(error.reason.contains("'features.0.weight'"))
            #expect(error.reason.contains("unexpected key 'weight'") || error.reason.contains("unexpected keys 'weight'"))
        }
        #expect(target.stateDict().map(\.tensor.scalars) == before)  // nothing changed

        // The right names with a wrong shape.
        var state = FashionClassifier(seed: 1).stateDict()
        state["classifier.weight"] = Tensor.zeros([5, 128])
        let misshaped = temporaryURL("misshaped.safetensors")
        defer { try? FileManager.default.removeItem(at: misshaped) }
        try SafeTensors.write(state, to: misshaped)
        #expect {
            try FashionClassifier(contentsOf: misshaped)
        } throws: { error in
            "\(error)".contains("'classifier.weight' has shape [5, 128], expected [10, 128]")
        }

        // Not a safetensors file, and no file at all.
        let garbage = temporaryURL("garbage.safetensors")
        defer { try? FileManager.default.removeItem(at: garbage) }
        try Data("not weights".utf8).write(to: garbage)
        #expect {
            try FashionClassifier(contentsOf: garbage)
        } throws: { error in
            (error as? MetricsError)?.subject == garbage.path && "\(error)".contains("not a valid safetensors file")
        }
        let missing = temporaryURL("absent.safetensors")
        #expect {
            try FashionClassifier(contentsOf: missing)
        } throws: { error in
            (error as? MetricsError)?.subject == missing.path && "\(error)".contains("cannot read")
        }
    }

    @Test func stateDictNamesFollowPyTorch() {
        let names = FashionClassifier(seed: 0).stateDict().keys
        #expect(names == [
            "features.0.weight",
            "features.2.weight", "features.2.bias", "features.2.running_mean", "features.2.running_var",
            "features.2.num_batches_tracked",
            "features.4.weight",
            "features.6.weight", "features.6.bias", "features.6.running_mean", "features.6.running_var",
            "features.6.num_batches_tracked",
            "embedding.0.weight", "embedding.0.bias",
            "embedding.1.weight", "embedding.1.bias", "embedding.1.running_mean", "embedding.1.running_var",
            "embedding.1.num_batches_tracked",
            "classifier.weight", "classifier.bias",
        ])
        #expect(FashionClassifier(seed: 0).parameterCount == 288 + 18_432 + 401_536 + 1_290 + 2 * (32 + 64 + 128))
    }
}
