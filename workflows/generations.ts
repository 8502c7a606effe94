import { patched } from '@temporalio/workflow';

// Checkouts recorded by older code replay as they ran; each generation of the command
// sequence is marked by a patch. Every patch also costs an upsert of Temporal's
// TemporalChangeVersion search attribute, so one marker carries a whole generation.

/** Generation 2: database steps run as local activities (SumUp calls still activities). */
const LOCAL_DB_STEPS = 'local-db-steps';

/**
 * Generation 3: SumUp's checkout calls run as local activities too, and the status search
 * attribute is published only for the states a checkout can rest in.
 */
const LOCAL_STEPS = 'local-steps';

/**
 * Generation 4: SumUp's edge answers end in states ops can act on instead of a failed
 * workflow: a final refusal on read or close is `needs_attention`, a declined card is not the
 * end before the deadline, what was paid is checked against the order, and creating the
 * SumUp checkout gives up at a deadline.
 */
const EDGE_PATHS = 'edge-paths';

/**
 * Generation 5: fewer, larger steps. The order is made and claimed in one step
 * (`openOrder`), reading SumUp's PAID also confirms the order (`readAndConfirm`), and a
 * checkout started with its ShopperId and PageId search attributes does not upsert them.
 */
const ONE_STEP_OPEN_AND_CONFIRM = 'one-step-open-and-confirm';

/**
 * Entering `needs_attention` records `order.needs_attention` for other services. Asked only
 * on that path, so only checkouts and reconciliations that reach it carry the marker.
 */
const NEEDS_ATTENTION_EVENT = 'needs-attention-event';
export const recordsNeedsAttention = () => patched(NEEDS_ATTENTION_EVENT);

/**
 * Bookings a payment made provisional are timed: the order's workflow starts at payment (a
 * checkout or reconciliation asks only when the order has such bookings) and, at its start,
 * reads when they are due to be answered by the page's policy.
 */
const BOOKING_TIMER = 'provisional-booking-timer';
export const timesProvisionalBookings = () => patched(BOOKING_TIMER);

/**
 * The checkout's generations, oldest first, each with the patch whose marker it records
 * (`TemporalChangeVersion` holds it; generation 1 recorded none). A generation records only
 * its own marker, so a visibility count by marker is a count by generation: what
 * `npm run ops -- generations` reports, and what says when an older path can be retired.
 */
export const checkoutGenerations = [
  { generation: 1, patch: null },
  { generation: 2, patch: LOCAL_DB_STEPS },
  { generation: 3, patch: LOCAL_STEPS },
  { generation: 4, patch: EDGE_PATHS },
  { generation: 5, patch: ONE_STEP_OPEN_AND_CONFIRM },
] as const;

/** True for checkouts of generation 5 (every new one). */
export const runsOneStepOpenAndConfirm = () => patched(ONE_STEP_OPEN_AND_CONFIRM);

/** True for checkouts of generations 4 and 5. */
export const runsEdgePaths = () => runsOneStepOpenAndConfirm() || patched(EDGE_PATHS);

/**
 * True for generations 3 to 5. Call it before any other step: a checkout's first call
 * (`trackCheckout`) asks it, so the newest generation's marker leads the history.
 */
export const runsLocalSteps = () => runsEdgePaths() || patched(LOCAL_STEPS);

/**
 * True for generations 2 and 3. Generation 2 histories hold their marker before the first
 * database step, so this is asked there, and only when generation 3 is not in play.
 */
export const runsLocalDbSteps = () => runsLocalSteps() || patched(LOCAL_DB_STEPS);
