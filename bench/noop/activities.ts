/** A step that does nothing: what the engine costs without our work in it. */
export async function noopStep(_step: number): Promise<void> {}
