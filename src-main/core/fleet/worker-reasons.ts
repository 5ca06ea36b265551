// Status reasons the engine writes that other readers (the Workers view, the drain/retire guards)
// must recognise: kept in one place so a reworded reason cannot silently change what they show.

/** The status reason of a kept worker the person removed: it takes nothing new, finishes what it
 *  runs, then goes offline with this reason. */
export const REMOVED_FROM_KEPT = 'removed from the kept workers';
