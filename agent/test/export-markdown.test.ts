import t from 'tap';
import { exportConversation, exportedMessageMarkdownExtras, type Message } from '@homeagent/contract';

const conversation = { id: 'c1', userId: 'u1', title: 'T', createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z' };
const base = { conversationId: 'c1', state: 'complete' as const, createdAt: '2026-12-01T00:00:00Z' };

t.test('files and thinking are in the export file, and in its Markdown', async (t) => {
  const messages: Message[] = [
    {
      ...base,
      id: 'm1',
      role: 'user',
      text: 'look',
      attachments: [
        { id: 'a1aaaaaaaaaa', kind: 'image', format: 'png', mediaType: 'image/png', name: 'my_*photo*.png', sizeBytes: 2048, width: 10, height: 20, createdAt: base.createdAt },
        { id: 'a2aaaaaaaaaa', kind: 'document', format: 'pdf', mediaType: 'application/pdf', name: 'Letter.pdf', sizeBytes: 3 * 1024 * 1024, createdAt: base.createdAt },
      ],
    },
    { ...base, id: 'm2', role: 'assistant', text: 'ok', thinking: 'first <b>this</b>\nthen that' },
  ];
  const file = exportConversation(conversation, messages);
  t.same(file.messages[0]!.attachments!.map((a) => a.name), ['my_*photo*.png', 'Letter.pdf']);
  t.equal(file.messages[1]!.thinking, 'first <b>this</b>\nthen that');
  t.notOk('attachments' in file.messages[1]!);
  const files = exportedMessageMarkdownExtras(file.messages[0]!);
  t.match(files, /Attached:\n\n- my\\_\\\*photo\\\*\.png \(photo, PNG, 2 KB, 10 × 20\)\n- Letter\.pdf \(document, PDF, 3\.0 MB\)/);
  const thinking = exportedMessageMarkdownExtras(file.messages[1]!);
  t.match(thinking, /<details>\n<summary>Thinking<\/summary>\n\n> first &lt;b>this&lt;\/b>\n> then that\n\n<\/details>/);
  t.equal(exportedMessageMarkdownExtras({ id: 'x', role: 'user', text: 'plain', state: 'complete', createdAt: base.createdAt }), '');
});
