// The three example agents: plain `openai` code. Metering is the one line where each client is made
// (`withMeter(new OpenAI(...), meter, {...})` in run-demo.ts); nothing here knows about it.
import type OpenAI from 'openai';
import { hash32 } from './mock-openai.js';

/** Deterministic filler text of about `tokens` tokens, standing in for fetched documents. */
export function document(seed: string, tokens: number): string {
  const sentences = [
    'Revenue grew in the segment while churn stayed flat across the quarter.',
    'Competitors moved to usage-based pricing with a platform fee.',
    'Customers asked for invoices they can read without a calculator.',
    'The team shipped the launch two weeks early and saw strong adoption.',
    'Analysts flagged risk in the supplier data and the regional plan.',
  ];
  let state = hash32(seed) || 1;
  const parts: string[] = [];
  let length = 0;
  while (length < tokens * 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const sentence = sentences[state % sentences.length] ?? '';
    parts.push(sentence);
    length += sentence.length + 1;
  }
  return parts.join(' ').slice(0, tokens * 4);
}

/** Research agent: reads the sources and streams a brief. Returns the brief. */
export async function researchBrief(
  client: OpenAI,
  model: string,
  topic: string,
  sources: string,
): Promise<string> {
  const stream = await client.chat.completions.create({
    model,
    stream: true,
    max_completion_tokens: 900,
    messages: [
      {
        role: 'system',
        content:
          'You are a research analyst. Summarize the sources into a brief with key findings and open questions.',
      },
      { role: 'user', content: `Topic: ${topic}\n\nSources:\n${sources}` },
    ],
  });
  let brief = '';
  for await (const chunk of stream) brief += chunk.choices[0]?.delta?.content ?? '';
  return brief;
}

const LABELS = ['billing', 'bug', 'how-to', 'account', 'feature-request'];

/** Ticket classifier: one label per ticket. */
export async function classifyTicket(client: OpenAI, model: string, ticket: number): Promise<string> {
  const completion = await client.chat.completions.create({
    model,
    max_completion_tokens: 5,
    messages: [
      {
        role: 'system',
        content: `You triage support tickets. Answer with exactly one of: ${LABELS.join(', ')}.`,
      },
      {
        role: 'user',
        content: `Ticket TK-${ticket}:\n${document(`ticket-${ticket}`, 520 + (ticket % 7) * 10)}`,
      },
    ],
  });
  return completion.choices[0]?.message.content?.trim() ?? '';
}

/** Outreach agent: drafts a first-touch email to a prospect. Returns the email. */
export async function draftOutreach(client: OpenAI, model: string, prospect: string): Promise<string> {
  const completion = await client.chat.completions.create({
    model,
    max_completion_tokens: 450,
    messages: [
      {
        role: 'system',
        content: 'You write short, specific first-touch sales emails that ask for a 20-minute meeting.',
      },
      {
        role: 'user',
        content: `Prospect: ${prospect}\nAccount research:\n${document(`prospect-${prospect}`, 1_300)}`,
      },
    ],
  });
  return completion.choices[0]?.message.content ?? '';
}
