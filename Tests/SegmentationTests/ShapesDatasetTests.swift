import NN
import Segmentation
import Testing

@Suite("The synthetic shapes task")
struct ShapesDatasetTests {
    @Test("the same seed gives the same bytes; an image made alone equals the same image in a batch")
    func deterministic() {
        let a = ShapesDataset(seed: 7, size: 64, split: .train, count: 100)
        let b = ShapesDataset(seed: 7, size: 64, split: .train, count: 100)
        let batch = a.batch([3, 41, 99])
        #expect(batch.images.data.map(\.bitPattern) == b.batch([3, 41, 99]).images.data.map(\.bitPattern))
        #expect(batch.labels == b.batch([3, 41, 99]).labels)
        let alone = b.batch([41])
        #expect(Array(batch.images.data[(3 * 64 * 64)..<(6 * 64 * 64)]) == alone.images.data)
        #expect(Array(batch.labels[(64 * 64)..<(2 * 64 * 64)]) == alone.labels)
    }

    @Test("splits and seeds give different images")
    func splitsDiffer() {
        let train = ShapesDataset(seed: 7, size: 32, split: .train, count: 10).batch([0])
        let val = ShapesDataset(seed: 7, size: 32, split: .validation, count: 10).batch([0])
        let other = ShapesDataset(seed: 8, size: 32, split: .train, count: 10).batch([0])
        #expect(train.images != val.images && train.images != other.images)
    }

    @Test("every class appears, labels are in range, inputs are normalised")
    func content() {
        let data = ShapesDataset(seed: 1234, size: 64, split: .validation, count: 200)
        let (images, labels) = data.batch(Array(0..<200))
        var counts = [Int](repeating: 0, count: 256)
        for l in labels { counts[Int(l)] += 1 }
        #expect((0..<ShapesDataset.classCount).allSatisfy { counts[$0] > 0 }, "class pixel counts \(counts.prefix(11))")
        #expect(counts[ShapesDataset.classCount...].allSatisfy { $0 == 0 })
        let mean = images.data.reduce(0, +) / Float(images.count)
        #expect(abs(mean) < 0.5, "normalised mean \(mean)")
        // Colours in [0, 1], normalised as (v - 0.5) / 0.25.
        #expect(images.data.allSatisfy { abs($0) <= 2 })
    }

    @Test("a shape's class depends on the zone at its centre, not on its colour")
    func labelsFollowShapeAndZone() {
        // Over many images, every shape class appears both inside and outside zones, and pixels of
        // one class take many colours.
        let data = ShapesDataset(seed: 99, size: 64, split: .train, count: 100)
        let (images, labels) = data.batch(Array(0..<100))
        var reds: [Int: Set<Int>] = [:]
        for (k, l) in labels.enumerated() where l != 0 {
            let n = k / (64 * 64), p = k % (64 * 64)
            let red = Int((images.data[n * 3 * 64 * 64 + p] * 0.25 + 0.5) * 10)
            reds[Int(l), default: []].insert(red)
        }
        for c in 1..<ShapesDataset.classCount { #expect((reds[c]?.count ?? 0) >= 5, "class \(c) colours: \(reds[c] ?? [])") }
    }

    @Test("the simple variant labels only background and the five shapes, with more shape pixels")
    func simpleVariant() {
        let full = ShapesDataset(seed: 5, size: 32, split: .train, count: 200)
        let simple = ShapesDataset(seed: 5, size: 32, split: .train, count: 200, variant: .simple)
        let a = full.batch(Array(0..<200)).labels, b = simple.batch(Array(0..<200)).labels
        #expect(ShapesDataset.Variant.simple.classCount == 6 && ShapesDataset.Variant.full.classCount == ShapesDataset.classCount)
        #expect(Set(b) == Set(0..<6))
        #expect(Set(a).contains { $0 >= 6 })
        // Larger shapes: a larger share of shape pixels than the full task's.
        #expect(b.filter { $0 != 0 }.count > a.filter { $0 != 0 }.count)
    }
}
