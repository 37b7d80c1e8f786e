/**
 * Sub-journeys in the designer (#20): the published journeys a journey can call (for the palette's
 * blocks and the call nodes' names), and opening a called journey with a way back. One provider
 * per editor; call nodes read it through useCalls.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AdminApi } from '../../api/admin.js';
import type { JourneySummary } from '../../../../engine/http/contract/types.js';
import { journeyPath } from '../routes.js';
import { pushDrill } from './drill-stack.js';

export interface CallsContextValue {
  /** Published journeys by id (name, latest version), loaded once per editor. */
  journeys: Map<string, JourneySummary>;
  /** Opens the called journey (its pinned version, or the draft for `latest`), remembering the way back. */
  open(journeyId: string, version: number | 'latest'): void;
}

const CallsContext = createContext<CallsContextValue>({ journeys: new Map(), open: () => {} });

export function useCalls(): CallsContextValue {
  return useContext(CallsContext);
}

export function CallsProvider(props: { api: AdminApi; journeyId: string; version: number | null; navigate: (path: string) => void; children: ReactNode }) {
  const { api, journeyId, version, navigate } = props;
  const [list, setList] = useState<JourneySummary[]>([]);
  useEffect(() => {
    let live = true;
    api.journeys().then((all) => live && setList(all), () => undefined);
    return () => {
      live = false;
    };
  }, [api]);
  const journeys = useMemo(() => new Map(list.map((j) => [j.id, j])), [list]);
  const open = useCallback(
    (child: string, childVersion: number | 'latest') => {
      pushDrill({ from: journeyPath(journeyId, version), fromId: journeyId, to: child });
      navigate(journeyPath(child, childVersion === 'latest' ? null : childVersion));
    },
    [journeyId, version, navigate],
  );
  const value = useMemo(() => ({ journeys, open }), [journeys, open]);
  return <CallsContext.Provider value={value}>{props.children}</CallsContext.Provider>;
}
