import Foundation
import NN

/// One training crop drawn by `Augmentation`: the scale, rotation, flip and crop position, and the
/// sampler that produces the crop's pixels straight from the stored image in one pass (each output
/// pixel mapped back through crop, flip, rotation and scale), as hszhao/semseg's transforms would
/// produce them in sequence: scale (bilinear image, nearest mask), rotation about the centre (new
/// pixels: the mean colour, label ignore), horizontal flip, crop to `size` (padding: mean colour,
/// label ignore; semseg pads evenly on both sides).
struct AugmentedCrop {
    let scale: Float
    /// Degrees, counter-clockwise; 0 = none.
    let degrees: Float
    let flip: Bool
    /// The scaled image's size, and where the crop starts in it (negative: padding before it).
    let scaledWidth, scaledHeight: Int
    let left, top: Int
    let size: Int

    /// Draws a crop of a width x height image from `generator`, in a fixed order.
    init(_ augmentation: Augmentation, width: Int, height: Int, size: Int, generator g: inout SeededGenerator) {
        scale = augmentation.scale.map { g.nextFloat(in: $0.lowerBound, $0.upperBound) } ?? 1
        if let range = augmentation.rotate, g.nextUnitFloat() < augmentation.rotateProbability {
            degrees = g.nextFloat(in: range.lowerBound, range.upperBound)
        } else {
            degrees = 0
        }
        flip = augmentation.flip && g.nextUnitFloat() < 0.5
        scaledWidth = scale == 1 ? width : max(1, Int((Float(width) * scale).rounded()))
        scaledHeight = scale == 1 ? height : max(1, Int((Float(height) * scale).rounded()))
        self.size = size
        func start(_ extent: Int) -> Int {
            let padded = max(extent, size), padBefore = max(size - extent, 0) / 2
            let offset = augmentation.randomCrop ? Int(g.next() % UInt64(padded - size + 1)) : (padded - size) / 2
            return offset - padBefore
        }
        left = start(scaledWidth)
        top = start(scaledHeight)
    }

    /// Writes the crop: normalised image [3, size, size] and labels [size, size].
    func render(image: PixelImage, labels: PixelImage, mean: [Float], std: [Float], ignoreIndex: UInt8,
                into pixels: UnsafeMutablePointer<Float>, labelsOut: UnsafeMutablePointer<UInt8>) {
        precondition(image.channels == 3 && labels.channels == 1 && image.width == labels.width && image.height == labels.height,
                     "an RGB image and a label map of one size")
        let plane = size * size
        let w = Float(scaledWidth), h = Float(scaledHeight)
        let toSourceX = Float(image.width) / w, toSourceY = Float(image.height) / h
        let radians = Double(degrees) * Double.pi / 180
        let cosine = Float(cos(radians)), sine = Float(sin(radians))
        let cx = (w - 1) / 2, cy = (h - 1) / 2
        for y in 0..<size {
            for x in 0..<size {
                let p = y * size + x
                // Crop and padding -> the flipped, rotated, scaled image's coordinates.
                var xs = Float(x + left), ys = Float(y + top)
                if flip { xs = w - 1 - xs }
                var xr = xs, yr = ys
                if degrees != 0 {
                    let dx = xs - cx, dy = ys - cy
                    xr = cosine * dx - sine * dy + cx
                    yr = sine * dx + cosine * dy + cy
                }
                // Label: nearest pixel of the rotated image, then nearest of the scale.
                let xi = Int(xr.rounded()), yi = Int(yr.rounded())
                if xi < 0 || yi < 0 || xi >= scaledWidth || yi >= scaledHeight {
                    labelsOut[p] = ignoreIndex
                } else {
                    let sx = min(labels.width - 1, Int((Float(xi) + 0.5) * toSourceX))
                    let sy = min(labels.height - 1, Int((Float(yi) + 0.5) * toSourceY))
                    labelsOut[p] = labels.pixels[sy * labels.width + sx]
                }
                // Colour: bilinear in the source, or the padding outside the rotated image.
                if xr < -0.5 || yr < -0.5 || xr > w - 0.5 || yr > h - 0.5 {
                    for k in 0..<3 { pixels[k * plane + p] = 0 }   // the mean colour, normalised
                    continue
                }
                let sx = scale == 1 ? xr : (xr + 0.5) * toSourceX - 0.5
                let sy = scale == 1 ? yr : (yr + 0.5) * toSourceY - 0.5
                for k in 0..<3 {
                    let v = ImageResize.sample(image, channel: k, x: sx, y: sy)
                    pixels[k * plane + p] = (v / 255 - mean[k]) / std[k]
                }
            }
        }
    }
}
