import { z } from 'zod';
import { defineTool } from './types.js';

const input = z.object({
  email: z.string().min(3).max(254).describe("The customer's email address, exactly as they gave it"),
});

export const getCustomerTool = defineTool({
  name: 'get_customer',
  kind: 'read',
  description:
    'Verify the customer by the email they gave. Must succeed before any order or refund tool. ' +
    'Returns the name, account status and open case count. Propose it together with lookup_order when the customer already gave an order id: the system supplies the verified customer to lookup_order.',
  input,
  toEvent: (i) => ({ type: 'propose.get_customer', email: i.email.trim().toLowerCase() }),
  async run(i, _ctx, deps) {
    const email = i.email.trim().toLowerCase();
    const customer = await deps.backends.crm.findCustomerByEmail(email);
    if (!customer) {
      return {
        fact: { type: 'customer.not_found', email },
        result: { found: false, message: 'No customer has that email address. Ask the customer to check it.' },
        isError: true,
        progressed: false,
      };
    }
    const active = customer.status === 'active';
    return {
      fact: {
        type: 'customer.found',
        customer: { customerId: customer.customerId, name: customer.name, email: customer.email, status: customer.status },
      },
      result: {
        found: true,
        name: customer.name,
        email: customer.email,
        account_status: customer.status,
        open_case_count: customer.openCaseCount,
        ...(active ? {} : { note: 'This account cannot be changed by the assistant; it has been passed to a specialist.' }),
      },
      progressed: true,
    };
  },
});
