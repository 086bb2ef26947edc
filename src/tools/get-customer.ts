import { z } from 'zod';
import { defineTool } from './types.js';

const input = z.object({
  email: z.string().min(3).max(254).describe("The customer's email address, exactly as they gave it"),
});

const normalise = (email: string) => email.trim().toLowerCase();

export const getCustomerTool = defineTool({
  name: 'get_customer',
  kind: 'read',
  sources: ['chat', 'mcp'],
  description:
    'Verify the customer by the email they gave as theirs. Must succeed before any order or refund tool. ' +
    'Returns the name, account status and open case count; when a one-time code is required it sends one ' +
    'to the address instead, and verify_code completes verification. Propose it together with lookup_order ' +
    'when the customer already gave an order id: the system supplies the verified customer to lookup_order.',
  input,
  toEvent: (i, _ctx, env) => ({ type: 'propose.get_customer', email: normalise(i.email), via: env.via }),
  probe: (ctx, env) => {
    const emails = env.via === 'chat' ? ctx.emailsGiven : ['probe@example.invalid'];
    return (emails.length ? emails : ['probe@example.invalid']).map((email) => ({
      type: 'propose.get_customer' as const,
      email,
      via: env.via,
    }));
  },
  // the customer learns only whether the address matched (I7)
  visible: (r) => (r.code_sent === true ? { code_sent: true } : { found: r.found === true }),
  judge: null,
  async run(i, ctx, deps, env) {
    const email = normalise(i.email);
    const via = env.via;
    // I16: with codes (always over MCP) the answer is the same whether or not the address is on file
    const codeMode = ctx.verification === 'code' || via === 'mcp';
    const customer = await deps.backends.crm.findCustomerByEmail(email);
    if (!customer) {
      if (codeMode)
        return {
          fact: { type: 'customer.not_found', email, via },
          result: { code_sent: true, message: CODE_SENT },
          progressed: true,
        };
      return {
        fact: { type: 'customer.not_found', email, via },
        result: { found: false, message: 'No customer has that email address. Ask the customer to check it.' },
        isError: true,
        progressed: false,
      };
    }
    const found = {
      customerId: customer.customerId,
      name: customer.name,
      email: customer.email,
      status: customer.status,
    };
    if (codeMode)
      return {
        fact: { type: 'customer.found', customer: found, via },
        result: { code_sent: true, message: CODE_SENT },
        progressed: true,
      };
    const active = customer.status === 'active';
    return {
      fact: { type: 'customer.found', customer: found, via },
      result: {
        found: true,
        name: customer.name,
        email: customer.email,
        account_status: customer.status,
        open_case_count: customer.openCaseCount,
        ...(active
          ? {}
          : { note: 'This account cannot be changed by the assistant; it has been passed to a specialist.' }),
      },
      progressed: true,
    };
  },
});

/** The same words whether or not the address is on file: nothing about an account is shown before the code (I16). */
export const CODE_SENT =
  'If that address is on file, a 6-digit code has been sent to it. Ask the ' +
  'customer for the code and verify it with verify_code.';
