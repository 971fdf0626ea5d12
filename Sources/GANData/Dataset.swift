import GANTensor

/// A data set held in memory: `count` samples of one shape, optional integer labels and
/// the names of their classes.
///
/// Image data sets keep their pixels as bytes (`[N, C, H, W]`, 0...255) — 60,000 Fashion-MNIST
/// images take 47 MB, not 188 — and become Float32 in [−1, 1] one batch at a time
/// (`samples(at:)`, `Batcher`). Float data sets (toy mixtures, `.npy` of float32) keep floats
/// and pass them through unchanged.
public struct Dataset: Sendable {
    /// The values of all samples, row-major, sample after sample.
    public enum Values: Sendable, Equatable {
        /// Pixels 0...255, scaled to [−1, 1] when batched.
        case bytes([UInt8])
        /// Values used as they are.
        case floats([Float])
    }

    /// Where the data came from (a spec or path), for messages.
    public let name: String
    /// The values.
    public let values: Values
    /// The shape of one sample: `[C, H, W]` for images, `[D]` for points.
    public let sampleShape: [Int]
    /// One label per sample (an index into `classNames`), or `nil` when unlabelled.
    public let labels: [Int]?
    /// The class names, indexed by label; empty when unlabelled.
    public let classNames: [String]

    /// A data set from its values. `values` must hold a whole number of samples and
    /// `labels`, when given, one label per sample.
    public init(name: String, values: Values, sampleShape: [Int], labels: [Int]? = nil, classNames: [String] = []) {
        let size = sampleShape.reduce(1, *)
        precondition(!sampleShape.isEmpty && size > 0, "Dataset: sample shape \(sampleShape) must be non-empty")
        let total: Int
        switch values {
        case .bytes(let b): total = b.count
        case .floats(let f): total = f.count
        }
        precondition(total % size == 0, "Dataset: \(total) values are not a whole number of \(sampleShape) samples")
        if let labels {
            precondition(labels.count == total / size, "Dataset: \(labels.count) labels for \(total / size) samples")
            precondition(labels.allSatisfy { $0 >= 0 }, "Dataset: labels must not be negative")
        }
        self.name = name
        self.values = values
        self.sampleShape = sampleShape
        self.labels = labels
        self.classNames = classNames
    }

    /// Number of samples.
    public var count: Int {
        switch values {
        case .bytes(let b): return b.count / sampleSize
        case .floats(let f): return f.count / sampleSize
        }
    }

    /// Values per sample.
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// Whether samples are images `[C, H, W]`.
    public var isImage: Bool { sampleShape.count == 3 }

    /// How many samples carry each label (`classNames.count` entries); empty when unlabelled.
    public var classCounts: [Int] {
        guard let labels else { return [] }
        var counts = [Int](repeating: 0, count: Swift.max(classNames.count, (labels.max() ?? -1) + 1))
        for label in labels { counts[label] += 1 }
        return counts
    }

    // MARK: Samples as tensors

    /// The samples at `indices` as one tensor `[indices.count] + sampleShape`; bytes become
    /// floats in [−1, 1]. With `flips`, the samples whose entry is true are mirrored left to
    /// right (images only).
    public func samples(at indices: [Int], flips: [Bool]? = nil) -> Tensor {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < count }, "Dataset.samples: index out of 0..<\(count)")
        precondition(flips == nil || flips!.count == indices.count, "Dataset.samples: one flip per index")
        let size = sampleSize
        let rowLength = sampleShape[sampleShape.count - 1]
        let flips = isImage ? flips : nil
        if indices.isEmpty { return Tensor.zeros([0] + sampleShape) }
        let storage = TensorStorage(uninitializedCount: indices.count * size)
        switch values {
        case .bytes(let bytes):
            bytes.withUnsafeBufferPointer {
                PixelKernels.gatherBytes($0.baseAddress!, sampleSize: size, rowLength: rowLength,
                                         indices: indices, flips: flips, into: storage.base)
            }
        case .floats(let floats):
            floats.withUnsafeBufferPointer {
                PixelKernels.gatherFloats($0.baseAddress!, sampleSize: size, rowLength: rowLength,
                                          indices: indices, flips: flips, into: storage.base)
            }
        }
        return Tensor(shape: [indices.count] + sampleShape, storage: storage)
    }

    /// Every sample as one tensor `[count] + sampleShape`.
    public func allSamples() -> Tensor { samples(at: Array(0..<count)) }

    /// Sample `index` of an image data set as a bitmap (floats mapped from [−1, 1]).
    public func bitmap(at index: Int) -> Bitmap {
        precondition(isImage, "Dataset.bitmap: samples of shape \(sampleShape) are not images")
        precondition(index >= 0 && index < count, "Dataset.bitmap: index \(index) out of 0..<\(count)")
        let (c, h, w) = (sampleShape[0], sampleShape[1], sampleShape[2])
        guard case .bytes(let bytes) = values, c == 1 || c == 3 else {
            return Bitmap(tensor: samples(at: [index]).reshaped(sampleShape))
        }
        let pixels = bytes.withUnsafeBufferPointer {
            PixelKernels.interleaved(fromPlanar: UnsafeBufferPointer(rebasing: $0[(index * sampleSize)...].prefix(sampleSize)),
                                     pixelCount: h * w, channels: c)
        }
        return Bitmap(width: w, height: h, channels: c, pixels: pixels)
    }

    // MARK: Subsets

    /// The samples at `indices`, in that order, with their labels.
    public func subset(_ indices: [Int], name newName: String? = nil) -> Dataset {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < count }, "Dataset.subset: index out of 0..<\(count)")
        let size = sampleSize
        let newValues: Values
        switch values {
        case .bytes(let b):
            var out = [UInt8](); out.reserveCapacity(indices.count * size)
            for i in indices { out.append(contentsOf: b[(i * size)..<((i + 1) * size)]) }
            newValues = .bytes(out)
        case .floats(let f):
            var out = [Float](); out.reserveCapacity(indices.count * size)
            for i in indices { out.append(contentsOf: f[(i * size)..<((i + 1) * size)]) }
            newValues = .floats(out)
        }
        return Dataset(name: newName ?? name, values: newValues, sampleShape: sampleShape,
                       labels: labels.map { l in indices.map { l[$0] } }, classNames: classNames)
    }

    /// The samples whose label is in `classes`, keeping their original labels (so
    /// `classNames` still applies) — for example one CycleGAN domain of Fashion-MNIST.
    ///
    /// - Throws: `.invalidArgument` for an unlabelled data set or a class that does not
    ///   exist, `.empty` when nothing is left.
    public func filtered(classes: [Int]) throws -> Dataset {
        guard let labels else {
            throw DataError(.invalidArgument, path: name, "a class filter needs labels; this data set has none")
        }
        let known = Swift.max(classNames.count, (labels.max() ?? -1) + 1)
        if let bad = classes.first(where: { $0 < 0 || $0 >= known }) {
            throw DataError(.invalidArgument, path: name, "class \(bad) does not exist: expected 0...\(known - 1)")
        }
        let keep = Set(classes)
        let indices = labels.indices.filter { keep.contains(labels[$0]) }
        guard !indices.isEmpty else {
            throw DataError(.empty, path: name, "no samples in classes \(classes.sorted())")
        }
        let names = classes.sorted().map { $0 < classNames.count ? classNames[$0] : String($0) }
        return subset(indices, name: "\(name)@\(names.joined(separator: ","))")
    }

    /// The class index for each of `names`: a class name (case, spaces, `-` and `_` ignored,
    /// so `ankle-boot` finds `Ankle boot`) or a decimal index.
    public func classIndices(named names: [String]) throws -> [Int] {
        func key(_ s: String) -> String {
            String(s.lowercased().filter { $0.isLetter || $0.isNumber })
        }
        let known = classNames.map(key)
        return try names.map { name in
            if let i = known.firstIndex(of: key(name)) { return i }
            if let i = Int(name), i >= 0, classNames.isEmpty || i < classNames.count { return i }
            let list = classNames.isEmpty ? "class indices" : classNames.joined(separator: ", ")
            throw DataError(.invalidArgument, path: self.name, "unknown class '\(name)': expected one of \(list)")
        }
    }

    // MARK: Image geometry

    /// This image data set with every image resized (shorter side) and centre-cropped to
    /// `size`×`size` and converted to `channels`; unchanged when it already matches.
    public func resized(to size: Int?, channels newChannels: Int?) -> Dataset {
        guard isImage else { return self }
        let (c, h, w) = (sampleShape[0], sampleShape[1], sampleShape[2])
        let targetChannels = newChannels ?? c
        let targetSize = size
        if targetChannels == c && (targetSize == nil || (targetSize == h && targetSize == w)) { return self }
        precondition(targetChannels == 1 || targetChannels == 3, "Dataset.resized: \(targetChannels) channels, expected 1 or 3")
        precondition(c == 1 || c == 3, "Dataset.resized: images with \(c) channels cannot be converted")
        let outH = targetSize ?? h, outW = targetSize ?? w
        var out = [UInt8](); out.reserveCapacity(count * targetChannels * outH * outW)
        for i in 0..<count {
            var image = bitmap(at: i).converted(toChannels: targetChannels)
            if let targetSize { image = image.resizedAndCentreCropped(to: targetSize) }
            out.append(contentsOf: PixelKernels.planar(fromInterleaved: image.pixels, pixelCount: outH * outW,
                                                       channels: targetChannels))
        }
        if case .floats = values {
            // Float images went through bytes for resampling: back to [−1, 1] floats.
            return Dataset(name: name, values: .floats(out.map { PixelKernels.byteToSigned[Int($0)] }),
                           sampleShape: [targetChannels, outH, outW], labels: labels, classNames: classNames)
        }
        return Dataset(name: name, values: .bytes(out), sampleShape: [targetChannels, outH, outW],
                       labels: labels, classNames: classNames)
    }
}
