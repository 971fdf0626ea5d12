import Foundation

/// Reading and writing the binary batches of CIFAR-10 and CIFAR-100.
///
/// A CIFAR-10 batch is a run of 3,073-byte records: the label, then a 32×32 image as
/// 1,024 red, 1,024 green and 1,024 blue bytes (already `[C, H, W]`). A CIFAR-100 record has
/// two label bytes, coarse then fine, before the same 3,072 pixel bytes.
public enum CIFAR {
    /// Which of the two data sets a batch belongs to.
    public enum Variant: String, Codable, Sendable {
        /// Ten classes; files `data_batch_1.bin` ... `data_batch_5.bin`, `test_batch.bin`.
        case cifar10
        /// 100 fine classes in 20 coarse ones; files `train.bin`, `test.bin`.
        case cifar100

        /// Label bytes before each image.
        public var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        /// Bytes per record.
        public var recordSize: Int { labelBytes + CIFAR.imageSize }
    }

    /// Which CIFAR-100 labels to keep.
    public enum Granularity: String, Codable, Sendable {
        /// The 100 fine classes.
        case fine
        /// The 20 superclasses.
        case coarse
    }

    /// Pixel bytes per image: 3 × 32 × 32.
    public static let imageSize = 3 * 32 * 32

    /// CIFAR-10's classes, as `batches.meta.txt` lists them.
    public static let cifar10ClassNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// The pixels (`[N, 3, 32, 32]` bytes) and labels of one batch file.
    ///
    /// - Throws: `.malformed` when the length is not a whole number of records or a label is
    ///   out of range, naming the file and the record size expected.
    public static func readBatch(
        _ path: String, variant: Variant, granularity: Granularity = .fine
    ) throws -> (pixels: [UInt8], labels: [Int]) {
        let data = try FileIO.readBytes(path)
        let record = variant.recordSize
        guard !data.isEmpty, data.count % record == 0 else {
            let layout = variant == .cifar10 ? "a label byte" : "two label bytes (coarse, fine)"
            throw DataError(.malformed, path: path,
                            "expected a non-zero multiple of \(record) bytes (\(layout) and \(imageSize) pixel bytes per image), found \(data.count) bytes (\(data.count / record) whole records and \(data.count % record) bytes over)")
        }
        let count = data.count / record
        let labelOffset = variant == .cifar100 && granularity == .fine ? 1 : 0
        let classes = variant == .cifar10 ? 10 : (granularity == .fine ? 100 : 20)
        let labels = (0..<count).map { Int(data[$0 * record + labelOffset]) }
        if let bad = labels.firstIndex(where: { $0 >= classes }) {
            throw DataError(.malformed, path: path, "record \(bad) has label \(labels[bad]); expected 0...\(classes - 1)")
        }
        let pixels = PixelKernels.recordPayloads(data, count: count, headerSize: variant.labelBytes, payloadSize: imageSize)
        return (pixels, labels)
    }

    /// The bytes of a batch file: `pixels` holds `[N, 3, 32, 32]`; `labels` the (fine) labels;
    /// for CIFAR-100, `coarseLabels` the superclasses (zeros when `nil`).
    public static func encodeBatch(
        pixels: [UInt8], labels: [Int], coarseLabels: [Int]? = nil, variant: Variant
    ) -> [UInt8] {
        precondition(pixels.count == labels.count * imageSize, "CIFAR.encodeBatch: \(pixels.count) bytes for \(labels.count) images")
        var out = [UInt8]()
        out.reserveCapacity(labels.count * variant.recordSize)
        for i in labels.indices {
            if variant == .cifar100 { out.append(UInt8(coarseLabels?[i] ?? 0)) }
            out.append(UInt8(labels[i]))
            out.append(contentsOf: pixels[(i * imageSize)..<((i + 1) * imageSize)])
        }
        return out
    }

    /// Writes a batch file (see `encodeBatch`).
    public static func writeBatch(
        pixels: [UInt8], labels: [Int], coarseLabels: [Int]? = nil, variant: Variant, to path: String
    ) throws {
        try FileIO.writeBytes(encodeBatch(pixels: pixels, labels: labels, coarseLabels: coarseLabels, variant: variant),
                              to: path)
    }

    /// The training or test split of CIFAR-10 or CIFAR-100 from `directory` (or its
    /// `cifar-10-batches-bin` / `cifar-100-binary` sub-folder, as the archives unpack).
    ///
    /// CIFAR-10 training reads every `data_batch_N.bin` present (normally 1 to 5). Class
    /// names come from `batches.meta.txt` / `fine_label_names.txt` / `coarse_label_names.txt`
    /// when present.
    public static func loadDataset(
        directory: String, variant: Variant, split: DataSplit = .train, granularity: Granularity = .fine
    ) throws -> Dataset {
        let archiveFolder = FileIO.join(directory, variant == .cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary")
        let folder = FileIO.isDirectory(archiveFolder) ? archiveFolder : directory
        guard FileIO.isDirectory(folder) else {
            throw DataError(.notFound, path: directory, "expected a directory of \(variant == .cifar10 ? "CIFAR-10" : "CIFAR-100") binary batches")
        }
        let files: [String]
        switch (variant, split) {
        case (.cifar10, .train):
            files = (1...9).map { FileIO.join(folder, "data_batch_\($0).bin") }.filter(FileIO.exists)
        case (.cifar10, .test):
            files = [FileIO.join(folder, "test_batch.bin")].filter(FileIO.exists)
        case (.cifar100, _):
            files = [FileIO.join(folder, split == .train ? "train.bin" : "test.bin")].filter(FileIO.exists)
        }
        guard !files.isEmpty else {
            let expected = variant == .cifar10
                ? (split == .train ? "data_batch_1.bin ... data_batch_5.bin" : "test_batch.bin")
                : (split == .train ? "train.bin" : "test.bin")
            throw DataError(.notFound, path: folder, "expected \(expected) in this directory, found none")
        }
        var pixels: [UInt8] = []
        var labels: [Int] = []
        for file in files {
            let batch = try readBatch(file, variant: variant, granularity: granularity)
            pixels += batch.pixels
            labels += batch.labels
        }
        let namesFile = variant == .cifar10 ? "batches.meta.txt"
            : (granularity == .fine ? "fine_label_names.txt" : "coarse_label_names.txt")
        let classCount = variant == .cifar10 ? 10 : (granularity == .fine ? 100 : 20)
        var names = variant == .cifar10 ? cifar10ClassNames : (0..<classCount).map(String.init)
        if let text = try? FileIO.readBytes(FileIO.join(folder, namesFile)) {
            let lines = String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if lines.count == classCount { names = lines }
        }
        return Dataset(name: "\(variant.rawValue):\(directory)", values: .bytes(pixels), sampleShape: [3, 32, 32],
                       labels: labels, classNames: names)
    }
}
