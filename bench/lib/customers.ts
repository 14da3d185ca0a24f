import { TOTP, URI } from 'otpauth';

export interface Customer {
  username: string;
  password: string;
  /** absent on the baseline, whose development login asks for no second factor */
  totp?: TOTP;
}

interface Slot {
  customer: Customer;
  busy: boolean;
  /** the TOTP time step of the last one-time code sent for this customer */
  lastStep: number;
}

export function totpFromUri(uri: string): TOTP {
  const otp = URI.parse(uri);
  if (!(otp instanceof TOTP)) throw new Error(`not a TOTP URI: ${uri.slice(0, 20)}…`);
  return otp;
}

/**
 * Hands out customers so that no two flows log in as one customer at once and no one-time
 * code is sent twice: a code works once (RFC 6238 §5.2), so a customer with a TOTP is used
 * at most once per time step.
 */
export class CustomerPool {
  readonly #slots: Slot[];
  readonly #byCustomer = new Map<Customer, Slot>();
  #next = 0;

  constructor(customers: readonly Customer[]) {
    this.#slots = customers.map((customer) => ({ customer, busy: false, lastStep: -1 }));
    for (const slot of this.#slots) this.#byCustomer.set(slot.customer, slot);
  }

  get size(): number {
    return this.#slots.length;
  }

  /** A free customer, or undefined when every one is busy or has used this time step's code. */
  take(): Customer | undefined {
    const timestamp = Date.now();
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#slots[(this.#next + i) % this.#slots.length]!;
      if (slot.busy || (slot.customer.totp && slot.lastStep >= slot.customer.totp.counter({ timestamp }))) continue;
      this.#next = (this.#next + i + 1) % this.#slots.length;
      slot.busy = true;
      return slot.customer;
    }
    return undefined;
  }

  /** The current one-time code, remembered so that this customer is not given out again in this step. */
  code(customer: Customer): string {
    const slot = this.#byCustomer.get(customer);
    if (!customer.totp || !slot) throw new Error(`customer ${customer.username} has no TOTP secret`);
    const timestamp = Date.now(); // one instant for both, or a step boundary could fall between
    slot.lastStep = customer.totp.counter({ timestamp });
    return customer.totp.generate({ timestamp });
  }

  release(customer: Customer): void {
    const slot = this.#byCustomer.get(customer);
    if (slot) slot.busy = false;
  }
}
