import t from 'tap';
import { HclRenderError, renderHcl, renderString } from '../src/hcl-renderer.js';

t.test('strings: literal parts re-escaped, interpolations copied as HCL', async (t) => {
  t.equal(renderString('plain'), '"plain"');
  t.equal(renderString('say "hi"\\ \n\t'), '"say \\"hi\\"\\\\ \\n\\t"');
  t.equal(renderString('{"Resource":"${aws_s3_bucket.b.arn}/*"}'), '"{\\"Resource\\":\\"${aws_s3_bucket.b.arn}/*\\"}"', 'quotes around an interpolation are escaped, the interpolation is not');
  t.equal(renderString('${jsonencode({"a" = random_password.p.result})}'), 'jsonencode({"a" = random_password.p.result})', 'a whole-string interpolation becomes the expression, nested quotes intact');
  t.equal(renderString('${a.b}-${c.d}'), '"${a.b}-${c.d}"', 'two interpolations stay a template');
  t.equal(renderString('$${literal}'), '"$${literal}"', 'escaped interpolations stay escaped');
  t.equal(renderString('${format("%s}", x.y)}'), 'format("%s}", x.y)', 'a brace inside a nested string does not end the interpolation');
  t.throws(() => renderString('${unterminated'), HclRenderError);
  t.equal(renderString('#!/bin/bash\necho "$HOME" ${var.x}\n'), '<<EOT\n#!/bin/bash\necho "$HOME" ${var.x}\nEOT', 'a script becomes a heredoc, quotes unescaped');
  t.equal(renderString('two\nlines'), '"two\\nlines"', 'without a final newline it stays quoted');
});

t.test('blocks, map arguments, references and labels', async (t) => {
  const hcl = renderHcl({
    terraform: { required_providers: { aws: { source: 'aws', version: '6.25.0' } }, backend: { s3: { bucket: 'b', encrypt: true } } },
    provider: { aws: [{ region: 'eu-west-1', default_tags: [{ tags: { Project: 'HomeAgent', 'kebab-key': 'x' } }] }] },
    resource: {
      aws_ecs_service: {
        svc: {
          '//': { metadata: { path: 'x' } },
          desired_count: 1,
          network_configuration: { assign_public_ip: false, subnets: ['${aws_subnet.a.id}'] },
          load_balancer: [{ container_port: 8080 }, { container_port: 3701 }],
          lifecycle: { ignore_changes: ['task_definition'] },
          depends_on: ['aws_lb.x'],
          tags: { Name: 'svc' },
        },
      },
    },
    output: { public_url: { value: 'https://chat.example.org', description: 'where' } },
  });
  t.match(hcl, /terraform \{\n {2}required_providers \{\n {4}aws = \{\n {6}source = "aws"\n {6}version = "6\.25\.0"\n {4}\}\n {2}\}\n {2}backend "s3" \{\n {4}bucket = "b"\n {4}encrypt = true\n {2}\}\n\}/);
  t.match(hcl, /provider "aws" \{\n {2}region = "eu-west-1"\n {2}default_tags \{\n {4}tags = \{\n {6}Project = "HomeAgent"\n {6}"kebab-key" = "x"/);
  t.match(hcl, /resource "aws_ecs_service" "svc" \{/);
  t.match(hcl, / {2}network_configuration \{\n {4}assign_public_ip = false\n {4}subnets = \[\n {6}aws_subnet\.a\.id,\n {4}\]\n {2}\}/, 'object → block, references bare');
  t.equal(hcl.match(/ {2}load_balancer \{/g)?.length, 2, 'list of objects → repeated blocks');
  t.match(hcl, /ignore_changes = \[task_definition\]/);
  t.match(hcl, /depends_on = \[aws_lb\.x\]/);
  t.match(hcl, / {2}tags = \{\n {4}Name = "svc"\n {2}\}/, 'tags is a map argument');
  t.notMatch(hcl, /metadata|"\/\/"/, 'cdktf metadata is dropped');
  t.match(hcl, /output "public_url" \{\n {2}value = "https:\/\/chat\.example\.org"\n {2}description = "where"\n\}/);
  t.throws(() => renderHcl({ locals: {} } as never), /cannot render top-level locals/);
});
