import Alerts
// Step 4: candidate causes of every event, and the place mark of each candidate.
import Foundation

extension Analysis {
    /// 4. Candidate causes: earlier (or simultaneous) events within maxLag, of the same time
    /// cluster; per place: of any place, the near ones (same, linked, unknown place) first.
    mutating func findCandidates() {
        pairIndex = [:]
        pairSlots = []  // every candidate slot of the pair
        slotStart = [Int](repeating: 0, count: evCount + 1)
        backCount = [Int32](repeating: 0, count: evCount)  // slots slotStart[i]+r, r < backCount[i], are earlier events
        slots = []
        slotFrom = []  // the cause event of each slot
        slotBin = []
        // Lag bins of the per-pair kernel (seconds): [0,5], (5,20], (20,45], (45,90], (90,180], (180,360], (360,maxLag].
        func binOf(_ lag: Double) -> UInt8 {
            var b = 0
            while b < binCount - 1 && lag > binUpper[b] { b += 1 }
            return UInt8(b)
        }
        binWidth = [Double](repeating: 0, count: binCount)
        do {
            var lower = 0.0
            for b in 0..<binCount {
                let upper = min(binUpper[b], max(s.maxLag, 1))
                binWidth[b] = max(upper - lower, 1); lower = max(lower, upper)
            }
        }
        slots.reserveCapacity(evCount * 4)
        func pairOf(_ cause: Int32, _ effect: Int32) -> Int32 {
            let key = UInt64(UInt32(cause)) << 32 | UInt64(UInt32(effect))
            if let p = pairIndex[key] { return p }
            let p = Int32(pairCause.count)
            pairIndex[key] = p
            pairCause.append(cause); pairEffect.append(effect)
            pairCount.append(0); pairOrdered.append(0); pairLagSum.append(0); pairSlots.append(0)
            return p
        }
        /// `counted`: the slot counts in the pair's co-firing, order and lag figures (per place:
        /// near slots only; far ones are candidates the mark weighs, not co-firing).
        func addBack(_ j: Int, _ i: Int, _ lag: Double, counted: Bool = true) {
            let p = pairOf(evNode[j], evNode[i])
            slots.append(p); slotBin.append(binOf(lag)); slotFrom.append(Int32(j))
            pairSlots[Int(p)] += 1
            guard counted else { return }
            pairCount[Int(p)] += 1; pairLagSum[Int(p)] += lag
            if lag > s.simultaneity { pairOrdered[Int(p)] += 1 }
        }
        for i in 0..<evCount {
            slotStart[i] = slots.count
            let t = evTime[i]
            var taken = 0
            if !perPlace {
                let c = Int(evCluster[i]); let lo = clusterStart[c], hi = clusterStart[c + 1]
                var j = i - 1
                while j >= lo && taken < s.maxCandidates {
                    let lag = t - evTime[j]
                    if lag > s.maxLag { break }
                    addBack(j, i, lag)
                    taken += 1; j -= 1
                }
                backCount[i] = Int32(taken)
                j = i + 1
                while j < hi && evTime[j] - t <= s.simultaneity {
                    slots.append(pairOf(evNode[j], evNode[i])); slotBin.append(0); slotFrom.append(Int32(j))
                    j += 1
                }
            } else {
                var far = 0
                var j = i - 1
                while j >= 0 && (taken < s.maxCandidates || far < s.maxFarCandidates) {
                    let lag = t - evTime[j]
                    if lag > s.maxLag { break }
                    let near = places.relation(evPlace[j], evPlace[i]) != .other
                    if near ? taken < s.maxCandidates : far < s.maxFarCandidates {
                        addBack(j, i, lag, counted: near)
                        if near { taken += 1; social[i] = true; social[j] = true } else { far += 1 }
                    }
                    j -= 1
                }
                backCount[i] = Int32(taken + far)
                j = i + 1
                while j < evCount && evTime[j] - t <= s.simultaneity {
                    if places.relation(evPlace[j], evPlace[i]) != .other {
                        slots.append(pairOf(evNode[j], evNode[i])); slotBin.append(0); slotFrom.append(Int32(j))
                    }
                    j += 1
                }
            }
        }
        slotStart[evCount] = slots.count
        nodeOpportunities = [Double](repeating: 0, count: nodeCount)
        for i in 0..<evCount where social[i] { nodeOpportunities[Int(evNode[i])] += clusterWeight[Int(evCluster[i])] }
        nodeSocial = [Double](repeating: 0, count: nodeCount)  // the same, not weighted
        for i in 0..<evCount where social[i] { nodeSocial[Int(evNode[i])] += 1 }
        stats.candidatePairs = pairCountTotal
        reverse = [Int32](repeating: -1, count: pairCountTotal)
        for p in 0..<pairCountTotal {
            let key = UInt64(UInt32(pairEffect[p])) << 32 | UInt64(UInt32(pairCause[p]))
            if let q = pairIndex[key] { reverse[p] = q }
        }
    }

    /// 4b. The place mark of each slot: how cause and effect places relate, and how likely that
    /// relation is by chance for the effect node (null). Each pair learns its own
    /// distribution over relations; a slot's cause counts ratio = learned / null times.
    mutating func markPlaces() {
        let slotTotal = slots.count
        slotRel = [UInt8](repeating: PlaceRelation.unknown.rawValue, count: places.values.isEmpty ? 0 : slotTotal)
        slotNull = [Double](repeating: 1, count: slotRel.count)
        pairNull = [Double](repeating: 0, count: slotRel.isEmpty ? 0 : pairCountTotal * 3)
        pairKnown = [Double](repeating: 0, count: slotRel.isEmpty ? 0 : pairCountTotal)
        marks = false
        if !slotRel.isEmpty {
            for i in 0..<evCount {
                for k in slotStart[i]..<slotStart[i + 1] {
                    let j = Int(slotFrom[k])
                    let r = places.relation(evPlace[j], evPlace[i])
                    slotRel[k] = r.rawValue
                    guard r != .unknown else { continue }
                    marks = true
                    let n = Int(evNode[i]), pa = evPlace[j], p = Int(slots[k])
                    slotNull[k] = places.null(node: n, place: pa, r)
                    pairNull[p * 3] += places.null(node: n, place: pa, .same)
                    let hasLinks = Int(pa) < places.links.count && !places.links[Int(pa)].isEmpty
                    pairNull[p * 3 + 1] += hasLinks ? places.null(node: n, place: pa, .linked) : 0
                    pairNull[p * 3 + 2] += places.null(node: n, place: pa, .other)
                    pairKnown[p] += 1
                }
            }
        }
        markShare = [Double](repeating: 0, count: marks ? pairCountTotal * 3 : 0)  // learned, per pair and relation
        massRel = [Double](repeating: 0, count: markShare.count)
        if marks {
            for p in 0..<pairCountTotal where pairKnown[p] > 0 {
                let z = pairNull[p * 3] + pairNull[p * 3 + 1] + pairNull[p * 3 + 2]
                for r in 0..<3 { pairNull[p * 3 + r] /= max(z, 1e-12) }
                for r in 0..<3 { markShare[p * 3 + r] = pairNull[p * 3 + r] }
            }
        }
    }
}
