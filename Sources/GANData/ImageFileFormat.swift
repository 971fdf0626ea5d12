import Foundation

/// The image files `gan` writes, chosen by the extension of the path: `.png`, or `.jpg` /
/// `.jpeg` (quality 95). Any other extension is an error rather than PNG bytes under a
/// misleading name.
///
/// ```swift
/// let format = try ImageFileFormat(path: "samples.jpg")   // .jpeg
/// try bitmap.write(to: "samples.jpg")                      // a JPEG
/// ```
public enum ImageFileFormat: String, Sendable, CaseIterable {
    case png
    case jpeg

    /// The extensions each format is written for, for messages.
    public static let extensions = ".png, .jpg or .jpeg"

    /// The format that `path`'s extension names (any case).
    ///
    /// - Throws: `.unsupported` naming the path and the extensions that can be written.
    public init(path: String) throws {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "":
            throw DataError(.unsupported, path: path, "no file extension: give \(ImageFileFormat.extensions) to say the image format")
        case let other:
            throw DataError(.unsupported, path: path, "cannot write .\(other) images: give \(ImageFileFormat.extensions)")
        }
    }

    /// Whether `path` ends in an extension this writer produces.
    public static func canWrite(_ path: String) -> Bool { (try? ImageFileFormat(path: path)) != nil }
}

extension Bitmap {
    /// Writes a PNG or a JPEG (quality 95), as the extension of `path` says.
    ///
    /// - Throws: `.unsupported` for any other extension (nothing is written); write errors.
    public func write(to path: String) throws {
        switch try ImageFileFormat(path: path) {
        case .png: try writePNG(to: path)
        case .jpeg: try writeJPEG(to: path)
        }
    }
}
