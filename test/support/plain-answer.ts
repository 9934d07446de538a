// The first test of each framework integration (the AI SDK middleware, the LangChain handler) meters
// the same plain OpenAI answer, called by agent `support-bot` doing `answer` inside
// `meter.withContext({ customer_id: 'cus_1' })`. Here are the answer and the event it must become,
// whichever integration meters it.
export const PLAIN_ANSWER = { text: 'Hi', model: 'gpt-4o-2024-08-06', input: 12, output: 7 } as const;

export const PLAIN_ANSWER_EVENT = {
  agent_id: 'support-bot',
  action: 'answer',
  customer_id: 'cus_1',
  provider: 'openai',
  model: PLAIN_ANSWER.model,
  tokens_input: PLAIN_ANSWER.input,
  tokens_output: PLAIN_ANSWER.output,
} as const;
