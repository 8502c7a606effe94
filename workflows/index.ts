// The workflows the worker registers. The checkout workflow lands here with its issue.
export {};
