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

/** True for checkouts of generation 3 (every new one). Call it before any other step. */
export const runsLocalSteps = () => patched(LOCAL_STEPS);

/**
 * True for generations 2 and 3. Generation 2 histories hold their marker before the first
 * database step, so this is asked there, and only when generation 3 is not in play.
 */
export const runsLocalDbSteps = () => runsLocalSteps() || patched(LOCAL_DB_STEPS);
