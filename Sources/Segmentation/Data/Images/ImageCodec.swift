import CImageCodecs
import Foundation

/// PNG and JPEG decoding and encoding (libpng and libjpeg-turbo through `CImageCodecs`).
///
/// Every decoder checks the header against `maxArea` and `minSide` before it allocates, so a hostile
/// or broken file costs at most one image of the limit; any problem is a `DatasetError` naming the file.
public enum ImageCodec {
    /// The largest image a data set may hold: 36 megapixels (6000 x 6000), 108 MB decoded.
    public static let maxArea = 36_000_000
    /// The shortest side an image or mask may have.
    public static let minSide = 8

    /// The RGB pixels of a PNG or JPEG file's bytes (told apart by their signatures).
    public static func decodeImage(_ bytes: Data, file: String) throws -> PixelImage {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try decodeJPEG(bytes, file: file) }
        if !bytes.isEmpty && !bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            throw DatasetError(file: file, problem: "is neither a PNG nor a JPEG (no signature of either)")
        }
        return try decodePNG(bytes, mode: AC_PNG_RGB, file: file).image
    }

    /// The class labels of a mask PNG, one byte a pixel (a palette PNG's indices or a grey PNG's
    /// values), and whether it was a palette PNG. RGB, 16-bit and non-PNG masks are refused.
    public static func decodeMask(_ bytes: Data, file: String) throws -> (labels: PixelImage, palette: Bool) {
        let (labels, palette) = try decodePNG(bytes, mode: AC_PNG_INDEX, file: file)
        return (labels, palette)
    }

    static func decodePNG(_ bytes: Data, mode: ac_png_mode, file: String) throws -> (image: PixelImage, palette: Bool) {
        var image = ac_image()
        var error = [CChar](repeating: 0, count: Int(AC_ERROR_SIZE))
        let status = bytes.withUnsafeBytes { raw in
            ac_png_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, mode, Int64(maxArea), Int32(minSide), &image, &error)
        }
        return (try adopt(image, status: status, error: error, file: file), image.palette != 0)
    }

    static func decodeJPEG(_ bytes: Data, file: String) throws -> PixelImage {
        var image = ac_image()
        var error = [CChar](repeating: 0, count: Int(AC_ERROR_SIZE))
        let status = bytes.withUnsafeBytes { raw in
            ac_jpeg_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, Int64(maxArea), Int32(minSide), &image, &error)
        }
        return try adopt(image, status: status, error: error, file: file)
    }

    /// The decoded image as Swift bytes (the C buffer is freed), or the decoder's error.
    private static func adopt(_ image: ac_image, status: Int32, error: [CChar], file: String) throws -> PixelImage {
        guard status == 0, let pixels = image.pixels else { throw DatasetError(file: file, problem: message(error)) }
        defer { ac_free(pixels) }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        return PixelImage(width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
                          pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// A PNG of `image` (grey or RGB); with `palette` (RGB triples), a palette PNG whose indices are
    /// the one-channel image's bytes.
    public static func encodePNG(_ image: PixelImage, palette: [UInt8]? = nil) -> Data {
        precondition(palette.map { image.channels == 1 && $0.count % 3 == 0 && (3...768).contains($0.count) } ?? true,
                     "a palette PNG needs one channel and 1-256 RGB entries")
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: Int(AC_ERROR_SIZE))
        let status = image.pixels.withUnsafeBufferPointer { p in
            if let palette {
                palette.withUnsafeBufferPointer { q in
                    ac_png_encode(p.baseAddress, Int32(image.width), Int32(image.height), 1, q.baseAddress,
                                  Int32(palette.count / 3), &out, &size, &error)
                }
            } else {
                ac_png_encode(p.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), nil, 0,
                              &out, &size, &error)
            }
        }
        return encoded(out, size: size, status: status, error: error)
    }

    /// A baseline JPEG of an RGB image at `quality` (1-100).
    public static func encodeJPEG(_ image: PixelImage, quality: Int = 95) -> Data {
        precondition(image.channels == 3 && (1...100).contains(quality), "JPEG encodes RGB at quality 1-100")
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: Int(AC_ERROR_SIZE))
        let status = image.pixels.withUnsafeBufferPointer { p in
            ac_jpeg_encode(p.baseAddress, Int32(image.width), Int32(image.height), Int32(quality), &out, &size, &error)
        }
        return encoded(out, size: size, status: status, error: error)
    }

    /// The encoder's bytes (freed after copying); an encoder error on valid arguments is a bug.
    private static func encoded(_ out: UnsafeMutablePointer<UInt8>?, size: Int, status: Int32, error: [CChar]) -> Data {
        guard status == 0, let out else { preconditionFailure("encoding failed: \(message(error))") }
        defer { ac_free(out) }
        return Data(bytes: out, count: size)
    }

    private static func message(_ error: [CChar]) -> String {
        String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
