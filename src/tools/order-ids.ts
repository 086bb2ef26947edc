/** Order ids as the tools and the machine key them. */
export const normaliseOrderId = (id: string) => id.trim().toUpperCase();
/** An order id that stands for "some order" when probing what the machine allows. */
export const PROBE_ORDER = 'ORD-PROBE';
