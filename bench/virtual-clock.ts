/** The virtual clock moved to streams/ (the replay command runs on it); the bench keeps its import path. */
export { VirtualClock } from '../streams/virtual-clock';
