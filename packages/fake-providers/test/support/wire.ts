// The fields of the providers' wire formats that the tests read (as the real APIs document them).

export interface OpenAIUsage { prompt_tokens: number; completion_tokens: number; total_tokens: number }
export interface OpenAIChunk {
  id: string;
  object: string;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string; refusal?: null }; finish_reason: string | null }[];
  usage?: OpenAIUsage | null;
}
export interface OpenAICompletion {
  object: string;
  choices: { message: { role: string; content: string }; finish_reason: string }[];
  usage: OpenAIUsage;
}
export interface OpenAIErrorBody { error: { message: string; type: string; param: null; code: string | null } }

export interface AnthropicEventData {
  type: string;
  message?: { role: string; model: string; content: unknown[]; usage: { input_tokens: number; output_tokens: number } };
  content_block?: { type: string; text: string };
  delta?: { type?: string; text?: string; stop_reason?: string; stop_sequence?: null };
  usage?: { output_tokens: number };
}
export interface AnthropicMessage {
  type: string;
  content: { type: string; text: string }[];
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number };
}
export interface AnthropicErrorBody { type: string; error: { type: string; message: string }; request_id: string }
