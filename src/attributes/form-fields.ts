import { parseTextValue, type AttributeDefinition } from './schema.js';

/** Form fields are named after the attribute with a prefix, so they can never shadow the page's own. */
const fieldName = (definition: AttributeDefinition) => `attr_${definition.name}`;

export interface FieldView {
  name: string;
  id: string;
  label: string;
  description: string | null;
  type: AttributeDefinition['type'];
  required: boolean;
  options: string[];
  /** The text to show in the field again (after a rejected submission). */
  value: string;
  checked: boolean;
}

/** What a hosted form needs to render each attribute field. */
export function signupFieldViews(definitions: AttributeDefinition[], values: Record<string, unknown>): FieldView[] {
  return definitions.map((definition) => {
    const value = values[definition.name];
    return {
      name: fieldName(definition),
      id: fieldName(definition),
      label: definition.label ?? definition.name,
      description: definition.description,
      type: definition.type,
      required: definition.required,
      options: definition.rule.options ?? [],
      value: Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '' : String(value),
      checked: value === true,
    };
  });
}

/**
 * Reads the attribute fields of a submitted form into typed values (numbers, booleans, lists), for the
 * attribute service to validate. Fields left empty are left out; an unticked checkbox means false.
 */
export function attributeInput(definitions: AttributeDefinition[], body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const definition of definitions) {
    const raw = body[fieldName(definition)];
    if (definition.type === 'boolean') {
      input[definition.name] = raw !== undefined && raw !== '';
      continue;
    }
    if (raw === undefined || raw === '') continue;
    const text = Array.isArray(raw) ? raw.map(String) : String(raw);
    input[definition.name] = parseTextValue(definition, text);
  }
  return input;
}
