import { isBlock, type Item, type WindowDef } from './schema';

/**
 * The window as the wiki page lays it out: phases in file order, numbered sequences and
 * bulleted parallel changes nested as written. The runbook flattens steps into dependency
 * order; the status page and the window report need the page's own shape back, with the
 * legend beside each step ("Changes with Numbering indicate mandatory sequential steps,
 * bullet points parallel steps", seed 002).
 */
export type LayoutItem =
  | { step: string }
  | { block: string; title?: string; mode: 'sequence' | 'parallel'; tickets?: string[]; notes?: string[]; items: LayoutItem[] };

export interface PhaseLayout {
  id: string;
  title: string;
  mode: 'sequence' | 'parallel';
  items: LayoutItem[];
}

/** The layout of a valid window (ids as the runbook has them). */
export function layoutOf(window: WindowDef): PhaseLayout[] {
  let anonymous = 0;
  const items = (list: Item[]): LayoutItem[] =>
    list.map((item) => {
      if (!isBlock(item)) return { step: item.id };
      return {
        block: item.id ?? `~block-${++anonymous}`,
        ...(item.title ? { title: item.title } : {}),
        mode: item.kind,
        ...(item.tickets?.length ? { tickets: item.tickets } : {}),
        ...(item.notes?.length ? { notes: item.notes } : {}),
        items: items(item.steps),
      };
    });
  return window.phases.map((p) => ({ id: p.id, title: p.title ?? p.id, mode: p.mode, items: items(p.steps) }));
}

/** Every step id of a layout, in page order. */
export function layoutSteps(layout: PhaseLayout[]): string[] {
  const walk = (list: LayoutItem[]): string[] => list.flatMap((i) => ('step' in i ? [i.step] : walk(i.items)));
  return layout.flatMap((p) => walk(p.items));
}
