// One UpdateItem's expression for the attributes that differ between two versions of an item: SET what is new or
// changed, REMOVE what is gone. Attributes equal in both are not named, so a concurrent writer's attribute that neither
// version knows (or that both hold unchanged) is left as the table has it.
import { isDeepStrictEqual } from 'node:util';

export interface AttributeUpdate {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): AttributeUpdate {
  const set: string[] = [];
  const remove: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  keys.forEach((key, i) => {
    const value = after[key];
    if (isDeepStrictEqual(before[key], value)) return;
    names[`#a${i}`] = key;
    if (value === undefined) remove.push(`#a${i}`);
    else {
      values[`:a${i}`] = value;
      set.push(`#a${i} = :a${i}`);
    }
  });
  const parts = [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean);
  return { expression: parts.join(' '), names, values };
}
