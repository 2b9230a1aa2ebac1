import Foundation
import Sweep
import TestSupport
import Testing

/// Power of the paired t-test and the seeds it needs, against SciPy's noncentral t
/// (tools/reference/make_stats_fixtures.py -> Fixtures/power.json).
@Suite("Paired t-test power against SciPy")
struct PairedPowerTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let difference: Double, sd: Double
            /// A count, "beyond" (more than the cap), or null (zero difference).
            let seeds: Seeds?
        }
        enum Seeds: Decodable, Equatable {
            case count(Int), beyond
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let n = try? container.decode(Int.self) { self = .count(n) } else { self = .beyond }
            }
        }
        struct Power: Decodable { let effect: Double; let n: Int; let power: Double }
        struct Variant: Decodable { let difference: Double, sd: Double, alpha: Double, target: Double, seeds: Int }
        let seeds: [Case]
        let power: [Power]
        let variants: [Variant]
        let cap: Int
    }

    static let fixture = TestSupport.Fixture.json(Fixture.self, "power.json", target: "SweepTests")

    @Test("power of the two-sided paired t-test matches scipy.stats.nct to 1e-7")
    func power() {
        for case let c in Self.fixture.power {
            let power = PairedPower.power(effect: c.effect, n: c.n)
            #expect(abs(power - c.power) <= 1e-7, "effect \(c.effect), n \(c.n): \(power) vs \(c.power)")
        }
    }

    @Test("seeds to decide match the reference to the seed, the cap and zero differences included")
    func seeds() {
        #expect(PairedPower.cap == Self.fixture.cap)
        for c in Self.fixture.seeds {
            let expected: PairedPower.Seeds = switch c.seeds {
            case .count(let n): .count(n)
            case .beyond: .beyondCap
            case nil: .undefined
            }
            #expect(PairedPower.seedsToDecide(difference: c.difference, sd: c.sd) == expected, "difference \(c.difference), sd \(c.sd)")
        }
        // Other levels and targets: the same effect needs other counts.
        for v in Self.fixture.variants {
            #expect(PairedPower.seedsToDecide(difference: v.difference, sd: v.sd, alpha: v.alpha, power: v.target) == .count(v.seeds),
                    "alpha \(v.alpha), power \(v.target)")
        }
    }
}
