import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { applyCachedTheme } from './app/theme';
import { createClient, detectTransport } from './transport/client';
import { ShoalProvider } from './transport/query';
import './styles.css';

applyCachedTheme(); // before the first paint, so a dark-theme user never sees a white flash
const client = createClient(detectTransport());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ShoalProvider client={client}>
      <App />
    </ShoalProvider>
  </StrictMode>,
);
