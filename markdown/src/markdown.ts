/** `@homeagent/markdown`: the one renderer of replies, for the agent (streaming) and the app (finished replies). */
export { renderBlock } from './markdown-renderer.js';
export { BlockSplitter, splitBlocks } from './block-splitter.js';
export { MarkdownStream, renderMarkdown, streamView, type StreamDelta } from './stream-view.js';
