// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The lab: sockets the dashboard itself owns, safe to retune and kill. */
import { useState } from 'react';

import { useEnv, useModelState } from './context.js';
import { errorText } from './format.js';
import { MiddleboxLab } from './MiddleboxLab.js';

export function LabPanel() {
  const { model } = useEnv();
  const lab = useModelState((s) => s.lab);
  const readOnly = useModelState((s) => s.server.readOnly);
  const [host, setHost] = useState('127.0.0.1');
  const [port, setPort] = useState('');
  const [listenPort, setListenPort] = useState('0');
  const connectPort = Number(port);
  const connectOk = /^\d{1,5}$/.test(port.trim()) && connectPort >= 1 && connectPort <= 65535 && host.trim() !== '';
  const listenOk = /^\d{1,5}$/.test(listenPort.trim()) && Number(listenPort) <= 65535;
  const open = lab.entries.filter((e) => e.status === 'open');
  return (
    <div className="lab">
      <div className="lab-forms">
        <form
          aria-label="Open a listener"
          onSubmit={(e) => {
            e.preventDefault();
            if (listenOk) void model.openLabListener(Number(listenPort));
          }}
        >
          <h3>Open a listener</h3>
          <label>
            Listen port
            <input className="narrow" inputMode="numeric" value={listenPort} onChange={(e) => setListenPort(e.target.value)} />
          </label>
          <span className="hint">0 = any free port</span>
          <button type="submit" disabled={!listenOk || lab.pending || readOnly}>
            Listen
          </button>
        </form>
        <form
          aria-label="Open a test connection"
          onSubmit={(e) => {
            e.preventDefault();
            if (connectOk) void model.openLabConnection(host.trim(), connectPort);
          }}
        >
          <h3>Open a test connection</h3>
          <label>
            Host
            <input value={host} onChange={(e) => setHost(e.target.value)} />
          </label>
          <label>
            Port
            <input className="narrow" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
          </label>
          <button type="submit" disabled={!connectOk || lab.pending || readOnly}>
            Connect
          </button>
          {!lab.labAnyAddress && <span className="hint">loopback only (start the server with --lab-any-address for more)</span>}
        </form>
      </div>
      {lab.error && (
        <p className="server-error" role="alert">
          {errorText(lab.error)}
        </p>
      )}
      {lab.entries.length === 0 ? (
        <p className="muted">
          No lab sockets yet. Open a listener, then a connection to its port: you get a socket pair the dashboard owns, safe to retune and kill.
        </p>
      ) : (
        <table className="small lab-list" aria-label="Lab sockets">
          <thead>
            <tr>
              <th scope="col">id</th>
              <th scope="col">kind</th>
              <th scope="col">local</th>
              <th scope="col">peer</th>
              <th scope="col">status</th>
              <th scope="col">actions</th>
            </tr>
          </thead>
          <tbody>
            {lab.entries.map((e) => (
              <tr key={e.id}>
                <td>{e.id}</td>
                <td>{e.kind}</td>
                <td>{e.local ? `${e.local.address}:${e.local.port}` : '—'}</td>
                <td>{e.peer ? `${e.peer.address}:${e.peer.port}` : '—'}</td>
                <td>
                  {e.status}
                  {e.closeCode ? ` (${e.closeCode})` : ''}
                  {e.blackholed ? ' · peer black-holed' : ''}
                </td>
                <td>
                  {e.connectionId && (
                    <button type="button" className="link" onClick={() => e.connectionId && model.select(e.connectionId)}>
                      Show
                    </button>
                  )}{' '}
                  {e.kind === 'listener' && e.status === 'open' && e.local && (
                    <button type="button" className="link" onClick={() => setPort(String(e.local?.port ?? ''))}>
                      Connect here
                    </button>
                  )}{' '}
                  {lab.canBlackhole && e.kind !== 'listener' && e.status === 'open' && (
                    <button
                      type="button"
                      disabled={lab.pending || readOnly}
                      title="Drop the peer's replies so keepalive probes go unanswered"
                      onClick={() => void model.setBlackhole(e.id, !e.blackholed)}
                    >
                      {e.blackholed ? 'Restore peer' : 'Black-hole peer'}
                    </button>
                  )}{' '}
                  {e.status === 'open' && (
                    <button type="button" disabled={lab.pending || readOnly} onClick={() => void model.closeLab(e.id)}>
                      Close
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">{open.length} open</p>
      <MiddleboxLab />
    </div>
  );
}
