import Foundation
import NN

/// One random scene of the shapes task: background texture, an optional zone, and the shapes.
struct Scene {
    /// A shape to draw: kind (index into `ShapesDataset.shapeKinds`), centre, radius, rotation, colour.
    struct Shape {
        let kind: Int
        let cx, cy, radius: Float
        let cos, sin: Float
        let colour: (Float, Float, Float)
        var insideZone = false

        /// Whether the point (x, y) in pixels is covered by the shape.
        func covers(_ x: Float, _ y: Float) -> Bool {
            let dx = x - cx, dy = y - cy
            // Rotated, radius-normalised coordinates.
            let u = (cos * dx + sin * dy) / radius, v = (-sin * dx + cos * dy) / radius
            switch kind {
            case 0: return u * u + v * v <= 1                                     // disc
            case 1: return abs(u) <= 0.8 && abs(v) <= 0.8                          // square
            case 2: return v >= -0.5 && abs(u) <= (1 - v) * 0.577                // triangle, apex up
            case 3: let r2 = u * u + v * v; return r2 <= 1 && r2 >= 0.36         // ring
            default: return (abs(u) <= 0.3 && abs(v) <= 1) || (abs(v) <= 0.3 && abs(u) <= 1)  // cross
            }
        }
    }

    /// The zone: a large disc with its own striped texture, or none.
    struct Zone {
        let cx, cy, radius: Float
        let stripeX, stripeY: Float
        let colour: (Float, Float, Float)

        func contains(_ x: Float, _ y: Float) -> Bool {
            let dx = x - cx, dy = y - cy
            return dx * dx + dy * dy <= radius * radius
        }
    }

    let background: (Float, Float, Float)
    /// A coarse random grid upsampled bilinearly: the smooth part of the background texture.
    let coarse: [Float]
    let coarseSize = 5
    let zone: Zone?
    let shapes: [Shape]

    init(size: Int, variant: ShapesDataset.Variant, generator g: inout SeededGenerator) {
        let s = Float(size)
        background = (g.nextFloat(in: 0.2, 0.8), g.nextFloat(in: 0.2, 0.8), g.nextFloat(in: 0.2, 0.8))
        coarse = (0..<(coarseSize * coarseSize)).map { _ in g.nextFloat(in: -0.15, 0.15) }
        var zone: Zone?
        if variant == .full && g.nextUnitFloat() < 0.6 {
            let angle = g.nextFloat(in: 0, Float.pi)
            let period = g.nextFloat(in: 3, 6)
            zone = Zone(cx: g.nextFloat(in: 0.2 * s, 0.8 * s), cy: g.nextFloat(in: 0.2 * s, 0.8 * s),
                        radius: g.nextFloat(in: 0.3 * s, 0.5 * s),
                        stripeX: cos(angle) / period, stripeY: sin(angle) / period,
                        colour: (g.nextFloat(in: 0, 1), g.nextFloat(in: 0, 1), g.nextFloat(in: 0, 1)))
        }
        self.zone = zone
        let count = 1 + Int(g.next() % (variant == .full ? 3 : 2))
        let radii: (Float, Float) = variant == .full ? (0.14, 0.26) : (0.22, 0.34)
        shapes = (0..<count).map { _ in
            let angle = g.nextFloat(in: 0, 2 * Float.pi)
            var shape = Shape(kind: Int(g.next() % UInt64(ShapesDataset.shapeKinds.count)),
                              cx: g.nextFloat(in: 0.1 * s, 0.9 * s), cy: g.nextFloat(in: 0.1 * s, 0.9 * s),
                              radius: g.nextFloat(in: radii.0 * s, radii.1 * s), cos: cos(angle), sin: sin(angle),
                              colour: (g.nextFloat(in: 0, 1), g.nextFloat(in: 0, 1), g.nextFloat(in: 0, 1)))
            shape.insideZone = zone?.contains(shape.cx, shape.cy) ?? false
            return shape
        }
    }

    /// Draws the scene's colours (with noise, clamped to [0, 1]) and labels.
    func draw(size: Int, image: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<UInt8>,
              generator g: inout SeededGenerator) {
        let plane = size * size
        let step = Float(coarseSize - 1) / Float(size - 1)
        for y in 0..<size {
            for x in 0..<size {
                let fx = Float(x) + 0.5, fy = Float(y) + 0.5
                // Smooth background: bilinear interpolation of the coarse grid.
                let gx = Float(x) * step, gy = Float(y) * step
                let x0 = min(Int(gx), coarseSize - 2), y0 = min(Int(gy), coarseSize - 2)
                let ax = gx - Float(x0), ay = gy - Float(y0)
                let smooth = (1 - ay) * ((1 - ax) * coarse[y0 * coarseSize + x0] + ax * coarse[y0 * coarseSize + x0 + 1])
                    + ay * ((1 - ax) * coarse[(y0 + 1) * coarseSize + x0] + ax * coarse[(y0 + 1) * coarseSize + x0 + 1])
                var colour = (background.0 + smooth, background.1 + smooth, background.2 + smooth)
                var label: UInt8 = 0
                if let zone, zone.contains(fx, fy) {
                    let phase = fx * zone.stripeX + fy * zone.stripeY
                    let stripe: Float = phase - phase.rounded(.down) < 0.5 ? 0.25 : -0.25
                    colour = (zone.colour.0 + stripe, zone.colour.1 + stripe, zone.colour.2 + stripe)
                }
                for shape in shapes where shape.covers(fx, fy) {
                    colour = shape.colour
                    label = UInt8(1 + shape.kind + (shape.insideZone ? ShapesDataset.shapeKinds.count : 0))
                }
                let noise = g.nextFloat(in: -0.08, 0.08)
                let p = y * size + x
                image[p] = min(max(colour.0 + noise, 0), 1)
                image[plane + p] = min(max(colour.1 + noise, 0), 1)
                image[2 * plane + p] = min(max(colour.2 + noise, 0), 1)
                labels[p] = label
            }
        }
    }
}
