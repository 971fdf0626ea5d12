import Dispatch
import Foundation
import GANTensor

/// A data set from a folder of PNG and JPEG images, searched recursively.
///
/// The class of an image is the name of the top-level sub-folder it lies in (as
/// torchvision's `ImageFolder`); images directly in the folder form a class named after the
/// folder itself. Classes are sorted by name, files by path, so the order is reproducible.
///
/// ```swift
/// // faces/train/cat/001.jpg, faces/train/dog/002.png, ...
/// let set = try ImageFolder.loadDataset("faces/train", size: 64, channels: 3)
/// set.classNames  // ["cat", "dog"]
/// ```
public enum ImageFolder {
    /// The file name extensions read (compared without case).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The image files under `directory` with their class names, sorted by path.
    public static func imageFiles(in directory: String) throws -> [(path: String, className: String)] {
        guard FileIO.isDirectory(directory) else {
            throw DataError(FileIO.exists(directory) ? .invalidArgument : .notFound, path: directory,
                            "expected a directory of PNG or JPEG images\(FileIO.exists(directory) ? ", found a file" : "")")
        }
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw DataError(.inputOutput, path: directory, "cannot list this directory")
        }
        var found: [(path: String, className: String)] = []
        let rootClass = FileIO.baseName(directory)
        while let relative = walker.nextObject() as? String {
            let parts = relative.split(separator: "/").map(String.init)
            guard let file = parts.last, !parts.contains(where: { $0.hasPrefix(".") }) else { continue }
            guard let dot = file.lastIndex(of: "."),
                  extensions.contains(file[file.index(after: dot)...].lowercased()) else { continue }
            let path = FileIO.join(directory, relative)
            guard !FileIO.isDirectory(path) else { continue }
            found.append((path, parts.count > 1 ? parts[0] : rootClass))
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Reads every image under `directory` into a labelled data set `[N, C, H, W]`.
    ///
    /// - Parameters:
    ///   - size: when given, each image's shorter side is resized to `size` and the centre
    ///     `size`×`size` kept; when `nil`, every image must have the size of the first.
    ///   - channels: 1 (grey) or 3 (RGB); when `nil`, 3 if any image has colour, else 1.
    /// - Throws: `.empty` when no image is found; the decoder's error, naming the file, when
    ///   one image is unreadable; `.malformed` for an image whose size differs without `size`.
    public static func loadDataset(_ directory: String, size: Int? = nil, channels: Int? = nil) throws -> Dataset {
        if let size, size <= 0 {
            throw DataError(.invalidArgument, path: directory, "image size must be positive, got \(size)")
        }
        if let channels, channels != 1 && channels != 3 {
            throw DataError(.invalidArgument, path: directory, "channels must be 1 or 3, got \(channels)")
        }
        let files = try imageFiles(in: directory)
        guard !files.isEmpty else {
            throw DataError(.empty, path: directory,
                            "expected PNG or JPEG images (.png, .jpg, .jpeg) in this directory or its sub-folders, found none")
        }
        // Decode in parallel; each image is reduced to its final size at once, so a folder of
        // large photos never sits in memory at full size.
        let slots = UnsafeMutableBufferPointer<Result<Bitmap, Error>?>.allocate(capacity: files.count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        DispatchQueue.concurrentPerform(iterations: Parallel.threadCount) { worker in
            var i = worker
            while i < files.count {
                slots[i] = Result {
                    var image = try Bitmap(contentsOf: files[i].path)
                    if let channels { image = image.converted(toChannels: channels) }
                    if let size { image = image.resizedAndCentreCropped(to: size) }
                    return image
                }
                i += Parallel.threadCount
            }
        }
        var images: [Bitmap] = []
        images.reserveCapacity(files.count)
        for slot in slots {
            guard let slot else { continue }
            images.append(try slot.get())
        }
        let first = images[0]
        if let odd = images.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
            throw DataError(.malformed, path: files[odd].path,
                            "expected \(first.width)×\(first.height) like \(files[0].path), found \(images[odd].width)×\(images[odd].height); give a size to resize and crop every image")
        }
        let targetChannels = channels ?? (images.contains { $0.channels == 3 } ? 3 : 1)
        let pixelCount = first.width * first.height
        var bytes = [UInt8]()
        bytes.reserveCapacity(images.count * pixelCount * targetChannels)
        for image in images {
            bytes += PixelKernels.planar(fromInterleaved: image.converted(toChannels: targetChannels).pixels,
                                         pixelCount: pixelCount, channels: targetChannels)
        }
        let classNames = Array(Set(files.map(\.className))).sorted()
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        return Dataset(name: "folder:\(directory)", values: .bytes(bytes),
                       sampleShape: [targetChannels, first.height, first.width],
                       labels: files.map { index[$0.className]! }, classNames: classNames)
    }
}
