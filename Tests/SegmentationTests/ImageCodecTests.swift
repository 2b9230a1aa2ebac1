import Foundation
@testable import Segmentation
import Testing

/// PNG and JPEG through libpng and libjpeg-turbo: round trips, and one line (never a crash or a huge
/// allocation) for every kind of broken file.
@Suite("Image codecs")
struct ImageCodecTests {
    static func gradient(width: Int, height: Int) -> PixelImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), UInt8((x + y) % 256)] }
        }
        return PixelImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    static func labels(width: Int, height: Int) -> PixelImage {
        PixelImage(width: width, height: height, channels: 1, pixels: (0..<(width * height)).map { UInt8($0 % 7 == 0 ? 255 : $0 % 21) })
    }

    /// A PNG written by hand (stored deflate), for headers and bit depths the encoder does not make.
    static func rawPNG(width: UInt32, height: UInt32, depth: UInt8, colour: UInt8, rows: [[UInt8]]) -> Data {
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }
        var zlib: [UInt8] = [0x78, 0x01, 1, UInt8(raw.count & 0xff), UInt8(raw.count >> 8), UInt8(~raw.count & 0xff), UInt8((~raw.count >> 8) & 0xff)]
        zlib += raw + PNGWriter.bigEndian(PNGWriter.adler32(raw))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += PNGWriter.chunk("IHDR", PNGWriter.bigEndian(width) + PNGWriter.bigEndian(height) + [depth, colour, 0, 0, 0])
        png += PNGWriter.chunk("IDAT", zlib) + PNGWriter.chunk("IEND", [])
        return Data(png)
    }

    @Test("an RGB PNG decodes to the same bytes; grey and palette PNGs decode to their stored values as masks")
    func pngRoundTrips() throws {
        let image = Self.gradient(width: 37, height: 23)
        #expect(try ImageCodec.decodeImage(ImageCodec.encodePNG(image), file: "a.png") == image)
        let labels = Self.labels(width: 19, height: 11)
        let grey = try ImageCodec.decodeMask(ImageCodec.encodePNG(labels), file: "g.png")
        #expect(grey.labels == labels && !grey.palette)
        let palette = try ImageCodec.decodeMask(ImageCodec.encodePNG(labels, palette: DataPreview.paletteBytes), file: "p.png")
        #expect(palette.labels == labels && palette.palette)
        // A palette mask read as an image shows the palette's colours.
        let shown = try ImageCodec.decodeImage(ImageCodec.encodePNG(labels, palette: DataPreview.paletteBytes), file: "p.png")
        #expect(Array(shown.pixels[0..<3]) == [255, 255, 255] && Array(shown.pixels[3..<6]) == Array(DataPreview.paletteBytes[3..<6]))
    }

    @Test("a JPEG decodes to its size, close to what was encoded (quality 95)")
    func jpegRoundTrip() throws {
        let image = Self.gradient(width: 64, height: 40)
        let decoded = try ImageCodec.decodeImage(ImageCodec.encodeJPEG(image, quality: 95), file: "a.jpg")
        #expect(decoded.width == 64 && decoded.height == 40 && decoded.channels == 3)
        let meanError = zip(decoded.pixels, image.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(image.pixels.count)
        #expect(meanError < 3)
    }

    @Test("broken files: one line naming the problem")
    func brokenFiles() throws {
        let png = ImageCodec.encodePNG(Self.gradient(width: 40, height: 40))
        let jpeg = ImageCodec.encodeJPEG(Self.gradient(width: 40, height: 40))
        func problem(_ decode: () throws -> Any) -> String? {
            do {
                _ = try decode()
                return nil
            } catch let error as DatasetError {
                #expect(error.file == "f")
                return error.problem
            } catch {
                return "\(error)"
            }
        }
        #expect(problem { try ImageCodec.decodeImage(Data(), file: "f") } == "is empty")
        #expect(problem { try ImageCodec.decodeImage(Data("hello".utf8), file: "f") } == "is neither a PNG nor a JPEG (no signature of either)")
        #expect(problem { try ImageCodec.decodeMask(Data("hello".utf8), file: "f") } == "is not a PNG (no PNG signature)")
        #expect(problem { try ImageCodec.decodeImage(png.prefix(png.count / 2), file: "f") } == "is a truncated PNG (the data ends early)")
        #expect(problem { try ImageCodec.decodeImage(jpeg.prefix(jpeg.count / 2), file: "f") }?.hasPrefix("is a corrupt or truncated JPEG") == true)
        #expect(problem { try ImageCodec.decodeImage(ImageCodec.encodePNG(Self.gradient(width: 1, height: 1)), file: "f") }
                == "is 1x1 pixels, smaller than 8 on a side")
        #expect(problem { try ImageCodec.decodeImage(ImageCodec.encodeJPEG(Self.gradient(width: 1, height: 1)), file: "f") }
                == "is 1x1 pixels, smaller than 8 on a side")
        // A 20000 x 20000 header is refused before anything of that size is allocated.
        let huge = Self.rawPNG(width: 20000, height: 20000, depth: 8, colour: 0, rows: [[0]])
        #expect(problem { try ImageCodec.decodeImage(huge, file: "f") } == "is 20000x20000 pixels, more than the limit of 36000000 pixels")
        #expect(problem { try ImageCodec.decodeMask(huge, file: "f") } == "is 20000x20000 pixels, more than the limit of 36000000 pixels")
        let sixteen = Self.rawPNG(width: 8, height: 8, depth: 16, colour: 0, rows: Array(repeating: [UInt8](repeating: 1, count: 16), count: 8))
        #expect(problem { try ImageCodec.decodeMask(sixteen, file: "f") } == "has 16-bit samples; a mask must be an 8-bit grey or palette PNG")
        #expect(try ImageCodec.decodeImage(sixteen, file: "f").width == 8)   // an image may have 16 bits (stripped to 8)
        #expect(problem { try ImageCodec.decodeMask(png, file: "f") }
                == "is a colour PNG; a mask must be an 8-bit grey or palette PNG (one class index a pixel)")
        #expect(problem { try ImageCodec.decodeMask(jpeg, file: "f") } == "is not a PNG (no PNG signature)")
        var corrupt = png
        corrupt[40] ^= 0xFF   // inside IDAT: the chunk's CRC no longer matches
        #expect(problem { try ImageCodec.decodeImage(corrupt, file: "f") }?.hasPrefix("is not a readable PNG") == true)
    }
}
