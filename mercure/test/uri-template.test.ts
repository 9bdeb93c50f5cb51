import t from 'tap';
import { compileUriTemplate, isUriTemplate, UriTemplateError } from '../src/uri-template.js';

const matches = (template: string, uri: string) => compileUriTemplate(template).test(uri);

t.test('simple {var} matches unreserved and pct-encoded characters but not reserved ones like /', async (t) => {
  t.ok(matches('https://example.com/books/{id}', 'https://example.com/books/1'));
  t.ok(matches('https://example.com/books/{id}', 'https://example.com/books/a-b_c.d~e%2Ff'));
  t.notOk(matches('https://example.com/books/{id}', 'https://example.com/books/1/chapters/2'));
  t.notOk(matches('https://example.com/books/{id}', 'https://example.com/books/a?b'));
  t.notOk(matches('https://example.com/books/{id}', 'https://example.com/authors/1'));
});

t.test('{+var} allows reserved characters, so one variable spans path segments', async (t) => {
  const template = 'https://example.com/users/{id}/{+rest}';
  t.ok(matches(template, 'https://example.com/users/u1/conversations/c1'));
  t.ok(matches(template, 'https://example.com/users/u1/a/b?c=d#e'));
  t.notOk(matches(template, 'https://example.com/users/u1'), 'the literal slash is required');
  // `{id}` cannot swallow a slash, so another user's topics never match a user's selector.
  t.notOk(matches('https://example.com/users/u1/{+rest}', 'https://example.com/users/u2/conversations/c1'));
  t.notOk(matches('https://example.com/users/u1/{+rest}', 'https://example.com/users/u10/conversations/c1'));
});

t.test('literals are matched literally, regex metacharacters included', async (t) => {
  t.ok(matches('https://example.com/a.b/{x}', 'https://example.com/a.b/1'));
  t.notOk(matches('https://example.com/a.b/{x}', 'https://example.com/aXb/1'));
  t.ok(matches('urn:a+b(c)*/{x}', 'urn:a+b(c)*/1'));
  t.notOk(matches('urn:a+b(c)*/{x}', 'urn:aab(c)*/1'));
  t.notOk(matches('https://example.com/{x}', 'prefix https://example.com/1'), 'anchored at the start');
  t.notOk(matches('https://example.com/{x}', 'https://example.com/1 suffix'), 'anchored at the end');
});

t.test('operators # . / ; ? &', async (t) => {
  t.ok(matches('https://example.com/page{#section}', 'https://example.com/page#a/b'));
  t.ok(matches('https://example.com/page{#section}', 'https://example.com/page'));
  t.ok(matches('https://example.com/file{.ext}', 'https://example.com/file.json'));
  t.ok(matches('https://example.com{/a,b}', 'https://example.com/x/y'));
  t.notOk(matches('https://example.com{/a,b}', 'https://example.com/x/y/z'), 'at most one segment per variable');
  t.ok(matches('https://example.com/m{;x,y}', 'https://example.com/m;x=1;y'));
  t.ok(matches('https://example.com/s{?q,lang}', 'https://example.com/s?q=cat&lang=en'));
  t.notOk(matches('https://example.com/s{?q}', 'https://example.com/s?other=cat'), 'a named variable needs its name');
  t.ok(matches('https://example.com/s?x=1{&q}', 'https://example.com/s?x=1&q=2'));
});

t.test('prefix and explode modifiers', async (t) => {
  t.ok(matches('https://example.com/{code:3}', 'https://example.com/abc'));
  t.notOk(matches('https://example.com/{code:3}', 'https://example.com/abcd'));
  t.ok(matches('https://example.com{/path*}', 'https://example.com/a/b/c'));
  t.ok(matches('https://example.com/s{?list*}', 'https://example.com/s?a=1&b=2'));
  t.ok(matches('https://example.com/{list}', 'https://example.com/a,b,c'), 'lists are comma-joined');
});

t.test('malformed templates are refused with a reason', async (t) => {
  for (const bad of ['https://example.com/{id', 'https://example.com/id}', 'https://example.com/{}', 'https://example.com/{a{b}}', 'https://example.com/{=x}', 'https://example.com/{a b}', 'https://example.com/{x:0}', 'https://example.com/{x:3*}']) {
    t.throws(() => compileUriTemplate(bad), UriTemplateError, bad);
  }
});

t.test('isUriTemplate', async (t) => {
  t.ok(isUriTemplate('https://example.com/{id}'));
  t.notOk(isUriTemplate('https://example.com/1'));
});

// A backtracking regex needed hours for the first of these (and seconds for
// five expressions); the tap timeout is what fails this test if that returns.
t.test('templates whose expressions overlap are still answered (linear-time matching)', async (t) => {
  t.setTimeout(60_000);
  const topic = 'https://chat.example.com/users/0mwrp8hic0000e6627a3aee8a/conversations/0mwrp9bj60000801967ad1f2e';
  t.notOk(matches(`${'{+a}'.repeat(12)}x`, topic), 'adjacent reserved expansions');
  t.ok(matches('{+a}'.repeat(12), topic));
  t.notOk(matches(`${'{+a}/'.repeat(12)}x`, topic), 'reserved expansions around literals they also match');
  t.notOk(matches('{+a,b,c,d,e,f,g,h,i,j,k,l}x', `${topic},,,,,,,,,,,,,,,,,,,,,,,,,,,,,,`), 'a list of reserved variables');
  t.notOk(matches(`${'{a}'.repeat(12)}/x`, 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz/y'), 'adjacent simple expressions');
  t.notOk(matches(`{+list*}x`, ',='.repeat(200)), 'an exploded reserved list');
});

t.test('bounds the linear engine cannot hold are relaxed, never tightened', async (t) => {
  t.ok(matches('https://example.com/{code:9999}', `https://example.com/${'a'.repeat(500)}`));
  t.notOk(matches('https://example.com/{code:9999}', 'https://example.com/a/b'), 'still no reserved characters');
});
